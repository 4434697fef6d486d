import Landscape
import SparseAutoencoders

extension SAEStudy {
  /// The `sae` block's `balance`: the balance Matryoshka SAE's coefficient beta
  /// (`SAE.prefixWeights`), a finite number >= 0, only with `matryoshka`.
  ///
  /// - Throws: `CaseError` naming `sae.balance` and the value.
  static func balance(_ s: JSONObject, into a: inout SAEArchitecture) throws {
    guard let beta = try s.number("balance", in: 0...1e6) else { return }
    guard let m = a.matryoshka, m.count > 1 else {
      throw CaseError(
        field: "sae.balance", value: "\(beta)",
        reason: "needs Matryoshka prefixes (sae.matryoshka with two or more)")
    }
    a.balance = beta
  }
}
