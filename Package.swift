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
    .package(url: "https://github.com/apple/swift-nio.git", from: "2.80.0"),
    .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.6.0"),
    .package(url: "https://github.com/apple/swift-log", from: "1.5.0"),
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
    // The safetensors format (SAELens's weights files): read and written, hostile files refused.
    .target(name: "SafeTensors", dependencies: ["ToyModels"]),
    // Sparse autoencoders with many latents: exact expected losses and their gradients.
    .target(
      name: "SparseAutoencoders", dependencies: ["ToyModels", "Reports", "SafeTensors", "_CGSL"]),
    // The math: cases, paths, exact losses, minima, sweeps. Pure functions.
    .target(name: "Landscape", dependencies: ["ToyModels", "Reports", "_CGSL"]),
    // The case-file schema: reads and checks JSON case files into the math modules' values.
    .target(
      name: "CaseFiles",
      dependencies: ["Landscape", "Reports", "SparseAutoencoders", "ToyModels"]),
    // Exact rational derivations of the loss and its minima.
    .target(name: "Symbolic", dependencies: ["Landscape", "Reports", "ToyModels"]),
    // The gradient trainer that cross-checks the analytic minima.
    .target(
      name: "Training", dependencies: ["Landscape", "SparseAutoencoders", "ToyModels", "Reports"]),
    // Every orchestrated run (train, grow, ensemble, balance, validate, reproduce, sweep): a
    // value in, progress and cancellation, a typed report out; the CLI and the server call it.
    .target(
      name: "Studies",
      dependencies: [
        "CaseFiles", "Landscape", "Reports", "SparseAutoencoders", "ToyModels", "Training",
      ]),
    // Every PLplot call, behind one serialised entry point.
    .target(name: "Plotting", dependencies: ["_CPLplot"]),
    // Which chart every report gets (loss curves, sweeps, phase diagrams, an SAE's cosines,
    // growth, ensembles, balance), composed as Plotting's values. Pure functions.
    .target(
      name: "FigureComposition",
      dependencies: [
        "Landscape", "Plotting", "Reports", "SparseAutoencoders", "ToyModels", "Training",
      ]),
    // The local page and its JSON API (`landscape serve`), on Hummingbird.
    .target(
      name: "Server",
      dependencies: [
        "Landscape", "CaseFiles", "Symbolic", "Reports", "FigureComposition", "Plotting",
        "ToyModels", "SparseAutoencoders", "Studies",
        .product(name: "Hummingbird", package: "hummingbird"),
        .product(name: "HummingbirdCore", package: "hummingbird"),
        .product(name: "NIOCore", package: "swift-nio"),
        .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        .product(name: "Logging", package: "swift-log"),
      ],
      // The page is embedded in the binary (no resource bundle to lose when it is moved).
      resources: [
        .embedInCode("Page/index.html"), .embedInCode("Page/page.js"),
        .embedInCode("Page/page.css"), .embedInCode("Page/train.js"),
      ]),
    // The `landscape` command line.
    .executableTarget(
      name: "LandscapeCLI",
      dependencies: [
        "Landscape", "CaseFiles", "Symbolic", "Training", "Plotting", "Reports",
        "FigureComposition", "SafeTensors", "SparseAutoencoders", "ToyModels", "Server", "Studies",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]),

    // What the test targets share (a seeded generator); only test targets depend on it.
    .target(name: "TestSupport", path: "Tests/TestSupport"),
    .testTarget(name: "ReportsTests", dependencies: ["Reports"]),
    .testTarget(name: "ToyModelsTests", dependencies: ["ToyModels", "TestSupport", "_CGSL"]),
    .testTarget(name: "SafeTensorsTests", dependencies: ["SafeTensors", "ToyModels"]),
    .testTarget(
      name: "SparseAutoencodersTests",
      dependencies: ["SparseAutoencoders", "SafeTensors", "ToyModels"]),
    .testTarget(name: "LandscapeTests", dependencies: ["Landscape", "ToyModels", "TestSupport"]),
    .testTarget(
      name: "CaseFilesTests",
      dependencies: ["CaseFiles", "Landscape", "SparseAutoencoders", "ToyModels", "TestSupport"],
      exclude: ["Corpus"]),
    .testTarget(
      name: "SymbolicTests",
      dependencies: ["Symbolic", "Landscape", "CaseFiles", "ToyModels", "TestSupport"]),
    .testTarget(
      name: "TrainingTests",
      dependencies: [
        "Training", "Landscape", "CaseFiles", "SparseAutoencoders", "ToyModels", "TestSupport",
      ]),
    .testTarget(name: "PlottingTests", dependencies: ["Plotting"]),
    .testTarget(
      name: "StudiesTests",
      dependencies: [
        "Studies", "CaseFiles", "Landscape", "Reports", "SparseAutoencoders", "ToyModels",
        "Training",
      ]),
    .testTarget(
      name: "FigureCompositionTests",
      dependencies: [
        "FigureComposition", "Landscape", "Plotting", "Reports", "SparseAutoencoders", "ToyModels",
      ]),
    // LandscapeCLITests and ServerTests also run the built `landscape` binary.
    .testTarget(
      name: "LandscapeCLITests", dependencies: ["LandscapeCLI", "Landscape", "Plotting", "Reports"]),
    .testTarget(
      name: "ServerTests",
      dependencies: [
        "Server", "Landscape", "CaseFiles", "Reports", "LandscapeCLI", "TestSupport",
        .product(name: "Hummingbird", package: "hummingbird"),
        .product(name: "HummingbirdTesting", package: "hummingbird"),
      ],
      exclude: ["browser_check.py"]),
  ]
)
