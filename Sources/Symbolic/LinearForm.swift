/// A linear form in the pattern probabilities: sum_j w_j p_j with exact weights.
///
///     p0 + 2 p01   ->   ["p0": 1, "p01": 2]
///
/// Only nonzero weights are stored; the empty form is zero. There is no constant term:
/// with no decoder bias every coefficient the package derives is homogeneous in the
/// probabilities.
public struct LinearForm<Weight: ExactScalar>: Sendable, Hashable {
    /// Symbol -> nonzero weight.
    public private(set) var weights: [String: Weight]

    /// The form with these weights (zero weights dropped).
    public init(_ weights: [String: Weight] = [:]) {
        self.weights = weights.filter { !$0.value.isZero }
    }

    /// w p for one symbol.
    public init(_ symbol: String, _ weight: Weight) {
        self.init([symbol: weight])
    }

    public static var zero: LinearForm { LinearForm() }
    public var isZero: Bool { weights.isEmpty }

    /// The weight of a symbol (zero when absent).
    public subscript(_ symbol: String) -> Weight { weights[symbol] ?? .zero }

    /// The symbols with a nonzero weight, in the given order (unknown symbols last, sorted).
    public func symbols(in order: [String]) -> [String] {
        let known = order.filter { weights[$0] != nil }
        let unknown = weights.keys.filter { !order.contains($0) }.sorted()
        return known + unknown
    }

    /// sum_j w_j p_j at the given probabilities (absent symbols count as 0).
    public func value(at probabilities: [String: Double]) -> Double {
        weights.reduce(0) { $0 + $1.value.doubleValue * (probabilities[$1.key] ?? 0) }
    }

    public static func + (a: LinearForm, b: LinearForm) throws -> LinearForm {
        var w = a.weights
        for (s, x) in b.weights { w[s] = try (w[s] ?? .zero) + x }
        return LinearForm(w)
    }

    public static prefix func - (a: LinearForm) throws -> LinearForm {
        LinearForm(try a.weights.mapValues { try -$0 })
    }

    public static func - (a: LinearForm, b: LinearForm) throws -> LinearForm { try a + (-b) }

    public static func * (a: LinearForm, k: Rational) throws -> LinearForm {
        LinearForm(try a.weights.mapValues { try $0 * k })
    }

    /// The same form with square-root weights.
    public var radical: LinearForm<Radical> { LinearForm<Radical>(weights.mapValues(\.radical)) }
}

extension LinearForm where Weight == Radical {
    /// The form with every weight multiplied by a closed form.
    public static func * (a: LinearForm, k: Radical) throws -> LinearForm {
        LinearForm(try a.weights.mapValues { try $0 * k })
    }
}

extension LinearForm where Weight == Rational {
    /// The product of two forms, a quadratic form.
    public static func * (a: LinearForm, b: LinearForm) throws -> QuadraticForm {
        var out = QuadraticForm()
        for (s, x) in a.weights {
            for (r, y) in b.weights {
                out = try out + QuadraticForm([SymbolPair(s, r): try x * y])
            }
        }
        return out
    }

    /// The positive or negative rational c that makes every weight of each form an
    /// integer with no common factor, the first nonzero weight positive: the first
    /// nonzero form in `forms`, its first symbol in `order`.
    ///
    ///     forms = [-2 p0, 2 p0 + 4 p01, -2 p01]  ->  c = -1/2
    ///
    /// - Returns: nil when every form is zero.
    public static func normalisingScale(_ forms: [LinearForm], order: [String]) throws -> Rational? {
        guard let first = forms.first(where: { !$0.isZero }) else { return nil }
        var lcm: Int128 = 1, gcd: Int128 = 0
        for form in forms {
            for w in form.weights.values {
                let g = Rational.gcd(lcm, w.denominator)
                lcm = try Rational.checked((lcm / g).multipliedReportingOverflow(by: w.denominator), "normalising")
            }
        }
        for form in forms {
            for w in form.weights.values {
                let scaled = try w * Rational(lcm)
                gcd = Rational.gcd(gcd, scaled.numerator)
            }
        }
        let lead = first[first.symbols(in: order)[0]]
        let c = try Rational(lcm, gcd)
        return lead.sign < 0 ? try -c : c
    }
}

/// An unordered pair of symbols, the key of a quadratic form (`p0*p01`, `p0*p0`).
public struct SymbolPair: Sendable, Hashable, CustomStringConvertible {
    /// The lexicographically smaller symbol.
    public let first: String
    public let second: String

    public init(_ a: String, _ b: String) {
        (first, second) = a <= b ? (a, b) : (b, a)
    }

    /// The two symbols in the given order.
    public func ordered(by order: [String]) -> (String, String) {
        let i = order.firstIndex(of: first) ?? .max, j = order.firstIndex(of: second) ?? .max
        return i <= j ? (first, second) : (second, first)
    }

    public var description: String { "\(first)*\(second)" }
}

/// A quadratic form in the probabilities: sum_{i <= j} w_ij p_i p_j with rational weights.
///
///     p0^2 + 4 p01^2   ->   [p0*p0: 1, p01*p01: 4]
public struct QuadraticForm: Sendable, Hashable {
    /// Pair -> nonzero weight.
    public private(set) var weights: [SymbolPair: Rational]

    public init(_ weights: [SymbolPair: Rational] = [:]) {
        self.weights = weights.filter { !$0.value.isZero }
    }

    public var isZero: Bool { weights.isEmpty }

    /// The pairs with a nonzero weight, ordered by the given symbol order.
    public func pairs(in order: [String]) -> [SymbolPair] {
        func rank(_ p: SymbolPair) -> (Int, Int) {
            let (a, b) = p.ordered(by: order)
            return (order.firstIndex(of: a) ?? .max, order.firstIndex(of: b) ?? .max)
        }
        return weights.keys.sorted { rank($0) < rank($1) }
    }

    /// sum w_ij p_i p_j at the given probabilities.
    public func value(at probabilities: [String: Double]) -> Double {
        weights.reduce(0) { $0 + $1.value.doubleValue * (probabilities[$1.key.first] ?? 0) * (probabilities[$1.key.second] ?? 0) }
    }

    public static func + (a: QuadraticForm, b: QuadraticForm) throws -> QuadraticForm {
        var w = a.weights
        for (s, x) in b.weights { w[s] = try (w[s] ?? .zero) + x }
        return QuadraticForm(w)
    }

    public static func - (a: QuadraticForm, b: QuadraticForm) throws -> QuadraticForm {
        try a + QuadraticForm(try b.weights.mapValues { try -$0 })
    }

    public static func * (a: QuadraticForm, k: Rational) throws -> QuadraticForm {
        QuadraticForm(try a.weights.mapValues { try $0 * k })
    }
}
