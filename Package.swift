// swift-tools-version:6.1
//
// sparsim: prune LLaMA-family models (BESA, Wanda, SparseGPT, magnitude) and
// simulate the pruned layers on a ViTCoD-style sparse accelerator.
// Layout and the reason for each target: docs/development.md.

import PackageDescription

/// The pruner's scalar loops (sorting rows, SparseGPT's sweep, softmax) and the simulator's cycle
/// models (the mapper plays thousands of mappings) run 10-50× slower without optimization, and the
/// tests run them on the real model and its traces: compile them optimized in debug builds too
/// (testability stays on, so `@testable import` still works).
let optimizedEvenInDebug: [SwiftSetting] = [.unsafeFlags(["-O"], .when(configuration: .debug))]
let optimizedCEvenInDebug: [CSetting] = [.unsafeFlags(["-O2"], .when(configuration: .debug))]

let package = Package(
    name: "sparsim",
    products: [
        .executable(name: "sparsim", targets: ["sparsim"]),
        .library(name: "SparsimSupport", targets: ["SparsimSupport"]),
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
        .target(name: "SIMDKernels", exclude: ["README.md"], cSettings: optimizedCEvenInDebug),

        // MARK: - Libraries
        // What every module needs and none owns: the parallel loop, atomic output files and their
        // clean-up on signals, seeded random numbers, SHA-256, a binary heap, file errors.
        .target(name: "SparsimSupport", exclude: ["README.md"]),
        .target(
            name: "Traces",
            dependencies: ["CHDF5", "SparsimSupport"],
            exclude: ["README.md"]
        ),
        .target(
            name: "Pruner",
            dependencies: ["CBLAS", "SIMDKernels", "SparsimSupport", "Traces"],
            exclude: ["README.md"],
            swiftSettings: optimizedEvenInDebug
        ),
        .target(
            name: "ViTCoDSim",
            dependencies: ["SparsimSupport", "Traces"],
            exclude: ["README.md"],
            swiftSettings: optimizedEvenInDebug
        ),

        // MARK: - Command-line tool
        .executableTarget(
            name: "sparsim",
            dependencies: [
                "SparsimSupport", "Traces", "Pruner", "ViTCoDSim", "CMalloc",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

        // The fuzzer: seeded mutations of valid inputs for every reader, run in a child process
        // (docs/development.md, "Fuzzing").
        .executableTarget(
            name: "sparsim-fuzz",
            dependencies: [
                "SparsimSupport", "Traces", "Pruner", "ViTCoDSim",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Sources/SparsimFuzz"
        ),

        // MARK: - Tests
        // Temporary directories and external processes (python3, h5dump, the sparsim binary).
        .target(name: "TestSupport", dependencies: ["Pruner", "SparsimSupport", "Traces"], path: "Tests/TestSupport"),
        .testTarget(name: "SparsimSupportTests", dependencies: ["SparsimSupport"]),
        // The README and docs as a reader meets them (links, length, nothing pointing outside).
        .testTarget(name: "DocumentationTests", dependencies: ["TestSupport"]),
        .testTarget(name: "TracesTests", dependencies: ["SparsimSupport", "Traces", "TestSupport"]),
        .testTarget(name: "PrunerTests", dependencies: ["Pruner", "SparsimSupport", "TestSupport"],
                    exclude: ["Support/reference_transformers.py", "Support/train_sentencepiece_bpe.py", "Support/reference_prodigy.py"]),
        .testTarget(name: "ViTCoDSimTests", dependencies: ["ViTCoDSim", "SparsimSupport", "Traces", "TestSupport"],
                    exclude: ["Support/reference_hw_sim.py", "Golden"]),
        // Runs the built `sparsim` binary as a user would; depending on the executable
        // target makes `swift test` build it.
        // Runs the fuzzer (`sparsim-fuzz`) over its corpus in Tests/FuzzCorpus.
        .testTarget(name: "FuzzTests", dependencies: ["sparsim-fuzz", "TestSupport"]),
        .testTarget(name: "SparsimCLITests", dependencies: ["sparsim", "SparsimSupport", "Traces", "ViTCoDSim", "Pruner", "TestSupport"],
                    exclude: ["Support/png_colors.py", "Support/reference_pruning.py", "Support/reference_lm_eval.py"]),
    ]
)
