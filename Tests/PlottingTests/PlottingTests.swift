import XCTest

final class PlottingPlaceholderTests: XCTestCase {}
