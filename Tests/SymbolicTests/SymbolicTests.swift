import XCTest

final class SymbolicPlaceholderTests: XCTestCase {}
