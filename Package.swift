// swift-tools-version:6.1
//
// sparsim: prune LLaMA-family models (BESA, Wanda, SparseGPT, magnitude) and
// simulate the pruned layers on a ViTCoD-style sparse accelerator.
// Layout and the reason for each target: ../README.md and docs/.

import PackageDescription

/// The pruner's scalar loops (sorting rows, SparseGPT's sweep, softmax) run 10-50× slower without
/// optimisation, and the tests run them on the real model: compile them optimised in debug builds
/// too (testability stays on, so `@testable import` still works).
let optimisedEvenInDebug: [SwiftSetting] = [.unsafeFlags(["-O"], .when(configuration: .debug))]
let optimisedCEvenInDebug: [CSetting] = [.unsafeFlags(["-O2"], .when(configuration: .debug))]

let package = Package(
    name: "sparsim",
    products: [
        .executable(name: "sparsim", targets: ["sparsim"]),
        .library(name: "Traces", targets: ["Traces"]),
        .library(name: "Pruner", targets: ["Pruner"]),
        .library(name: "ViTCoDSim", targets: ["ViTCoDSim"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // MARK: - C shims (system libraries from Debian's libopenblas-dev and libhdf5-dev)
        .systemLibrary(
            name: "CBLAS",
            path: "Sources/CBLAS",
            providers: [.apt(["libopenblas-dev"])]
        ),
        .systemLibrary(
            name: "CHDF5",
            path: "Sources/CHDF5",
            providers: [.apt(["libhdf5-dev"])]
        ),
        // glibc's <malloc.h> (mallopt), for the command-line tool's heap settings.
        .systemLibrary(name: "CMalloc", path: "Sources/CMalloc"),

        // The element-wise kernels (exp, softmax, SwiGLU, …) compiled for SSE2, AVX2 and AVX-512 and
        // picked at run time: Swift has no per-function target attributes, and a binary built for
        // AVX2 would not start on older CPUs.
        .target(name: "SIMDKernels", exclude: ["README.md"], cSettings: optimisedCEvenInDebug),

        // MARK: - Libraries
        .target(
            name: "Traces",
            dependencies: ["CHDF5"],
            exclude: ["README.md"]
        ),
        .target(
            name: "Pruner",
            dependencies: ["CBLAS", "SIMDKernels", "Traces"],
            exclude: ["README.md"],
            swiftSettings: optimisedEvenInDebug
        ),
        .target(
            name: "ViTCoDSim",
            dependencies: ["Traces"],
            exclude: ["README.md"]
        ),

        // MARK: - Command-line tool
        .executableTarget(
            name: "sparsim",
            dependencies: [
                "Traces", "Pruner", "ViTCoDSim", "CMalloc",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

        // MARK: - Tests
        // Temporary directories and external processes (python3, h5dump, the sparsim binary).
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "TracesTests", dependencies: ["Traces", "TestSupport"]),
        .testTarget(name: "PrunerTests", dependencies: ["Pruner", "TestSupport"],
                    exclude: ["Support/reference_transformers.py", "Support/train_sentencepiece_bpe.py", "Support/reference_prodigy.py"]),
        .testTarget(name: "ViTCoDSimTests", dependencies: ["ViTCoDSim", "Traces", "TestSupport"],
                    exclude: ["Support/reference_hw_sim.py", "Golden"]),
        // Runs the built `sparsim` binary as a user would; depending on the executable
        // target makes `swift test` build it.
        .testTarget(name: "SparsimCLITests", dependencies: ["sparsim", "Traces", "ViTCoDSim", "Pruner", "TestSupport"],
                    exclude: ["Support/png_colors.py", "Support/reference_pruning.py", "Support/reference_lm_eval.py"]),
    ]
)
