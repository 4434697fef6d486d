import _CGSL

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// GSL's MT19937 stream, generated inline, with a fast gaussian; GSL's distributions draw from
/// the same stream through `gsl`.
///
/// `next()` gives the words `gsl_rng_get` gives on a `gsl_rng_mt19937` set to the same seed
/// (Matsumoto & Nishimura 1998 with the 2002 seeding; GSL maps seed 0 to 4357), 624 at a time
/// into a buffer, so a draw costs no call through a function pointer. `uniform()` is
/// `gsl_rng_uniform` (k / 2^32).
///
/// `gaussian()` is the 128-layer ziggurat of Marsaglia & Tsang (2000), r = 3.442619855899,
/// v = 9.91256303526217e-3, laid out as GSL's `gsl_ran_gaussian_ziggurat`: one word per try, its
/// low 8 bits choose the layer and the sign, the high 24 bits the abscissa; the tail beyond r by
/// Marsaglia's exponential proposal. The layers are computed here from r and v, so the values
/// are not GSL's bit for bit (GSL's tables are rounded to 12 digits), but the method is the same
/// exact rejection sampler.
///
/// One stream per run; not thread-safe.
public final class RandomStream {
  private static let n = 624
  private static let m = 397

  /// The 624 state words, then the 624 tempered output words.
  private let words: UnsafeMutablePointer<UInt32>
  private var index: Int
  /// Ziggurat tables, 128 each: layer i's abscissa scale x_{i+1} / 2^24, its fast-accept bound
  /// floor(2^24 x_i / x_{i+1}) and its height f(x_i).
  private let scale: UnsafeMutablePointer<Double>
  private let bound: UnsafeMutablePointer<UInt32>
  private let height: UnsafeMutablePointer<Double>
  private static let r = 3.442619855899
  private static let v = 9.91256303526217e-3

  private let type: UnsafeMutablePointer<gsl_rng_type>
  private let name: UnsafeMutablePointer<CChar>
  /// A `gsl_rng` that draws from this stream (for `gsl_ran_binomial` and the like). Valid while
  /// the stream lives; never pass it to `gsl_rng_free`.
  public let gsl: UnsafeMutablePointer<gsl_rng>

  /// - Parameter seed: any; as GSL: 0 means 4357, then only the low 32 bits count.
  public init(seed: UInt64) {
    words = .allocate(capacity: 2 * Self.n)
    index = Self.n
    scale = .allocate(capacity: 128)
    bound = .allocate(capacity: 128)
    height = .allocate(capacity: 128)
    name = strdup("hedging-landscape mt19937")!
    type = .allocate(capacity: 1)
    gsl = .allocate(capacity: 1)
    type.initialize(
      to: gsl_rng_type(
        name: name, max: 0xFFFF_FFFF, min: 0, size: 0,
        // The stream outlives its `gsl`: borrowed without a retain and release per word.
        set: { state, seed in
          Unmanaged<RandomStream>.fromOpaque(state!)._withUnsafeGuaranteedRef {
            $0.seed(UInt64(seed))
          }
        },
        get: { state in
          Unmanaged<RandomStream>.fromOpaque(state!)._withUnsafeGuaranteedRef { UInt($0.next()) }
        },
        get_double: { state in
          Unmanaged<RandomStream>.fromOpaque(state!)._withUnsafeGuaranteedRef { $0.uniform() }
        }))
    gsl.initialize(to: gsl_rng(type: type, state: nil))
    gsl.pointee.state = Unmanaged.passUnretained(self).toOpaque()
    self.seed(seed)
    layZiggurat()
  }

  deinit {
    words.deallocate()
    scale.deallocate()
    bound.deallocate()
    height.deallocate()
    free(name)
    type.deallocate()
    gsl.deallocate()
  }

  /// Restarts the stream from `seed` (GSL's `mt_set`).
  public func seed(_ seed: UInt64) {
    words[0] = seed == 0 ? 4357 : UInt32(truncatingIfNeeded: seed)
    for i in 1..<Self.n {
      let p = words[i - 1]
      words[i] = 1_812_433_253 &* (p ^ (p >> 30)) &+ UInt32(i)
    }
    index = Self.n
  }

  /// The next 32-bit word.
  @inline(__always) public func next() -> UInt32 {
    if index == Self.n { refill() }
    let k = words[Self.n + index]
    index += 1
    return k
  }

  /// A uniform deviate in [0, 1): next() / 2^32.
  @inline(__always) public func uniform() -> Double {
    Double(next()) * 0x1p-32
  }

  /// Twists the state and tempers the next 624 outputs.
  private func refill() {
    let n = Self.n
    let m = Self.m
    let mt = words
    @inline(__always) func twist(_ i: Int, _ j: Int, _ far: Int) {
      let y = (mt[i] & 0x8000_0000) | (mt[j] & 0x7FFF_FFFF)
      mt[i] = mt[far] ^ (y >> 1) ^ ((0 &- (y & 1)) & 0x9908_B0DF)
    }
    for i in 0..<(n - m) { twist(i, i + 1, i + m) }
    for i in (n - m)..<(n - 1) { twist(i, i + 1, i + m - n) }
    twist(n - 1, 0, m - 1)
    let out = words + n
    for i in 0..<n {
      var k = mt[i]
      k ^= k >> 11
      k ^= (k << 7) & 0x9D2C_5680
      k ^= (k << 15) & 0xEFC6_0000
      k ^= k >> 18
      out[i] = k
    }
    index = 0
  }

  /// The ziggurat's layers from r and v, f(x) = exp(-x^2 / 2).
  ///
  /// Layer 127 is the base, [0, v / f(r)] x [0, f(r)], standing for the rectangle under f(r) and
  /// the tail beyond r; layer i < 127 is [0, x_{i+1}] x [f(x_{i+1}), f(x_i)] of area v, with
  /// f(x_i) = f(x_{i+1}) + v / x_{i+1} and x_0 = 0.
  private func layZiggurat() {
    let r = Self.r
    let v = Self.v
    var x = [Double](repeating: 0, count: 129)
    var y = [Double](repeating: 0, count: 128)
    x[127] = r
    y[127] = exp(-0.5 * r * r)
    x[128] = v / y[127]
    for i in stride(from: 126, through: 1, by: -1) {
      y[i] = y[i + 1] + v / x[i + 1]
      x[i] = (-2 * log(y[i])).squareRoot()
    }
    x[0] = 0
    y[0] = 1
    for i in 0..<128 {
      scale[i] = x[i + 1] * 0x1p-24
      bound[i] = UInt32((x[i] / x[i + 1] * 0x1p24).rounded(.down))
      height[i] = y[i]
    }
  }

  /// A standard normal deviate.
  @inline(__always) public func gaussian() -> Double {
    let k = next()
    let i = Int(k & 0x7F)
    let j = k >> 8
    let x = Double(j) * scale[i]
    if j < bound[i] { return k & 0x80 != 0 ? x : -x }
    return slowGaussian(i: i, j: j, x: x, positive: k & 0x80 != 0)
  }

  /// The rejection step of `gaussian()` (about 1.2% of tries), then fresh tries until one is
  /// accepted.
  private func slowGaussian(i: Int, j: UInt32, x: Double, positive: Bool) -> Double {
    var (i, j, x, positive) = (i, j, x, positive)
    while true {
      if j < bound[i] { return positive ? x : -x }
      let y: Double
      if i < 127 {
        y = height[i + 1] + (height[i] - height[i + 1]) * uniform()
      } else {
        let u1 = 1 - uniform()
        let u2 = uniform()
        x = Self.r - log(u1) / Self.r
        y = exp(-Self.r * (x - Self.r / 2)) * u2
      }
      if y < exp(-0.5 * x * x) { return positive ? x : -x }
      let k = next()
      i = Int(k & 0x7F)
      j = k >> 8
      x = Double(j) * scale[i]
      positive = k & 0x80 != 0
    }
  }

  /// Fills `count` standard normal deviates: the same as `count` calls of `gaussian()`.
  public func fillGaussians(_ out: UnsafeMutablePointer<Double>, count: Int) {
    let outputs = words + Self.n
    let scale = self.scale
    let bound = self.bound
    var i = index
    for s in 0..<count {
      if i == Self.n {
        refill()
        i = 0
      }
      let k = outputs[i]
      i &+= 1
      let layer = Int(k & 0x7F)
      let j = k >> 8
      let x = Double(j) * scale[layer]
      if j < bound[layer] {
        // The sign bit set when bit 7 of k is clear: -x.
        out[s] = Double(bitPattern: x.bitPattern | (UInt64(~k & 0x80) << 56))
      } else {
        index = i
        out[s] = slowGaussian(i: layer, j: j, x: x, positive: k & 0x80 != 0)
        i = index
      }
    }
    index = i
  }

  /// A binomial deviate, `gsl_ran_binomial` on this stream. p in [0, 1].
  public func binomial(_ trials: UInt32, _ p: Double) -> UInt32 {
    UInt32(gsl_ran_binomial(gsl, p, UInt32(trials)))
  }
}
