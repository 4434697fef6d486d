import XCTest

final class LandscapeCLIPlaceholderTests: XCTestCase {}
