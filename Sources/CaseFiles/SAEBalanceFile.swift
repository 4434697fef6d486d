import Landscape
import SparseAutoencoders
import ToyModels

extension SAECase {
  /// The `sae` block's `balance`: the balance Matryoshka SAE's coefficient beta
  /// (`SAE.prefixWeights`), a finite number >= 0, only with `matryoshka`.
  ///
  /// - Throws: `FieldError` naming `sae.balance` and the value.
  static func balance(_ s: JSONObject, into a: inout SAEArchitecture) throws {
    guard let beta = try s.number("balance", in: 0...1e6) else { return }
    guard let m = a.matryoshka, m.count > 1 else {
      throw FieldError(
        field: "sae.balance", value: "\(beta)",
        reason: "needs Matryoshka prefixes (sae.matryoshka with two or more)")
    }
    a.balance = beta
  }
}

extension SAECase {
  /// The `balance_sweep` block: `coefficients` (betas, each finite and >= 0), `seeds` (whole
  /// numbers in 0...4294967295; default the train block's seed), `snap` (default true) and
  /// `expect`: entries of `quantity` (absorption, decoder_hedging_mass,
  /// encoder_hedging_mass), `balance` (one of the coefficients, or "snap"), `min`/`max`.
  ///
  /// - Throws: `FieldError` naming the field (`balance_sweep.expect[0].balance`).
  static func balanceSweep(_ b: JSONObject?, architecture: SAEArchitecture) throws
    -> BalanceSweepPlan?
  {
    guard let b else { return nil }
    try b.allow(["coefficients", "seeds", "snap", "expect"])
    guard let m = architecture.matryoshka, m.count > 1 else {
      throw FieldError(
        field: "balance_sweep", value: "",
        reason: "needs Matryoshka prefixes (sae.matryoshka with two or more)")
    }
    guard let coefficients = try b.numbers("coefficients", in: 0...1e6), !coefficients.isEmpty
    else {
      throw FieldError(
        field: b.fieldPath("coefficients"), value: "", reason: "is required (a list of betas >= 0)")
    }
    let seeds = try b.integers("seeds", in: 0...Int(UInt32.max)) ?? [1]
    guard !seeds.isEmpty else {
      throw FieldError(field: b.fieldPath("seeds"), value: "[]", reason: "is empty")
    }
    var plan = BalanceSweepPlan(
      coefficients: coefficients, seeds: seeds.map(UInt64.init), snap: try b.bool("snap") ?? true)
    for e in try b.objects("expect") ?? [] {
      try e.allow(["quantity", "balance", "min", "max", "why"])
      let name = try e.string("quantity") ?? ""
      guard let quantity = BalanceExpectation.Quantity(rawValue: name) else {
        throw FieldError(
          field: e.fieldPath("quantity"), value: JSONObject.render(name),
          reason: "is not one of absorption, decoder_hedging_mass, encoder_hedging_mass")
      }
      let beta: Double?
      if let word = try? e.string("balance"), word == "snap" {
        guard plan.snap else {
          throw FieldError(
            field: e.fieldPath("balance"), value: "\"snap\"", reason: "needs snap: true")
        }
        beta = nil
      } else {
        guard let x = try e.number("balance"), coefficients.contains(x) else {
          throw FieldError(
            field: e.fieldPath("balance"), value: e.has("balance") ? "\(e.values["balance"]!)" : "",
            reason: "is not one of the coefficients or \"snap\"")
        }
        beta = x
      }
      let (lo, hi) = try e.bounds()
      plan.expectations.append(BalanceExpectation(quantity, balance: beta, min: lo, max: hi))
    }
    return plan
  }
}
