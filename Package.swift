// swift-tools-version: 6.0
import PackageDescription

let package = Package(
  name: "hedging-landscape",
  products: [
    .executable(name: "landscape", targets: ["LandscapeCLI"]),
    .library(name: "Landscape", targets: ["Landscape"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.0.0"),
  ],
  targets: [
    // Private C shims over the system libraries (Debian: libgsl-dev, libplplot-dev).
    .systemLibrary(name: "_CGSL", pkgConfig: "gsl", providers: [.apt(["libgsl-dev"])]),
    .systemLibrary(
      name: "_CPLplot", pkgConfig: "plplot",
      providers: [.apt(["libplplot-dev", "plplot-driver-cairo"])]),

    // The one JSON encoding of the reports (Foundation's JSONEncoder, no other dependency).
    .target(name: "Reports"),
    // The paper's toy models: features and how they fire (enumerated or sampled). Pure math.
    .target(name: "ToyModels", dependencies: ["_CGSL"]),
    // Sparse autoencoders with many latents: exact expected losses and their gradients.
    .target(name: "SparseAutoencoders", dependencies: ["ToyModels", "Reports", "_CGSL"]),
    // The math: cases, paths, exact losses, minima, sweeps. Pure functions.
    .target(name: "Landscape", dependencies: ["ToyModels", "Reports", "_CGSL"]),
    // The case-file schema: reads and checks JSON case files into the math modules' values.
    .target(
      name: "CaseFiles",
      dependencies: ["Landscape", "SparseAutoencoders", "ToyModels", "Training"]),
    // Exact rational derivations of the loss and its minima.
    .target(name: "Symbolic", dependencies: ["Landscape", "Reports"]),
    // The gradient trainer that cross-checks the analytic minima.
    .target(
      name: "Training", dependencies: ["Landscape", "SparseAutoencoders", "ToyModels", "Reports"]),
    // Every PLplot call, behind one serialised entry point.
    .target(name: "Plotting", dependencies: ["_CPLplot"]),
    // Which chart every report gets (loss curves, sweeps, phase diagrams, an SAE's cosines,
    // growth, ensembles, balance), composed as Plotting's values. Pure functions.
    .target(
      name: "FigureComposition",
      dependencies: ["Landscape", "Training", "Plotting", "SparseAutoencoders"]),
    // The local page and its JSON API (`landscape serve`), on Hummingbird.
    .target(
      name: "Server",
      dependencies: [
        "Landscape", "CaseFiles", "Symbolic", "Reports", "FigureComposition", "Plotting",
        .product(name: "Hummingbird", package: "hummingbird"),
      ],
      resources: [.copy("Page")]),
    // The `landscape` command line.
    .executableTarget(
      name: "LandscapeCLI",
      dependencies: [
        "Landscape", "CaseFiles", "Symbolic", "Training", "Plotting", "Reports",
        "FigureComposition", "SparseAutoencoders", "ToyModels", "Server",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]),

    // What the test targets share (a seeded generator); only test targets depend on it.
    .target(name: "TestSupport", path: "Tests/TestSupport"),
    .testTarget(name: "ToyModelsTests", dependencies: ["ToyModels", "TestSupport"]),
    .testTarget(name: "SparseAutoencodersTests", dependencies: ["SparseAutoencoders", "ToyModels"]),
    .testTarget(name: "LandscapeTests", dependencies: ["Landscape", "TestSupport"]),
    .testTarget(
      name: "CaseFilesTests",
      dependencies: ["CaseFiles", "Landscape", "SparseAutoencoders", "ToyModels", "TestSupport"],
      exclude: ["Corpus"]),
    .testTarget(
      name: "SymbolicTests", dependencies: ["Symbolic", "Landscape", "CaseFiles", "TestSupport"]),
    .testTarget(
      name: "TrainingTests",
      dependencies: [
        "Training", "Landscape", "CaseFiles", "SparseAutoencoders", "TestSupport",
      ]),
    .testTarget(name: "PlottingTests", dependencies: ["Plotting"]),
    .testTarget(
      name: "FigureCompositionTests", dependencies: ["FigureComposition", "Landscape", "Plotting"]),
    .testTarget(name: "LandscapeCLITests", dependencies: ["LandscapeCLI"]),
    .testTarget(
      name: "ServerTests",
      dependencies: [
        "Server", "Landscape", "CaseFiles", "Reports", "LandscapeCLI",
        .product(name: "HummingbirdTesting", package: "hummingbird"),
      ],
      exclude: ["browser_check.py"]),
  ]
)
