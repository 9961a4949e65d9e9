/// A mapping of the space, compactly, with a lower bound on the cycles it can take.
struct Candidate {
    var bound: Double
    var denseColumnChoice: Int32
    var rowTile: Int32
    var tokenTile: Int32
    var densePEColumns: Int16
    var formatIndex: Int8
    var denseLines: LineDimension
    var sparseLines: LineDimension
    var loopOrder: LoopOrder
    var structured: Bool
    /// Which of the searched spaces (buffer shares) it belongs to.
    var space: Int8 = 0

    func mapping(in space: Mapspace) -> Mapping {
        let g = structured ? space.layer.cols : space.denseColumnChoices[Int(denseColumnChoice)]
        return Mapping(partitions: [ColumnPartition(columns: 0..<space.layer.cols, denseColumns: g,
                                                    densePEColumns: Int(densePEColumns))],
                       denseLines: denseLines, sparseLines: sparseLines, rowTile: Int(rowTile), tokenTile: Int(tokenTile),
                       loopOrder: loopOrder, format: space.formats[Int(formatIndex)], structured: structured,
                       bufferShare: space.bufferShare)
    }
}

/// Lower bounds on a candidate's cycles from the ladder's analytic rungs, valid for the cycles the
/// full model plays (tests check bound ≤ played on every candidate of small layers):
///
/// - engines: the dense engine's work summed over blocks, with the fold of a row tile over PE rows
///   and of the block's columns over its PE columns (steps can only add folds); the sparse engine's
///   work over its lines (along rows: Σ ceil(kept in a column of a row tile / peRows) per token;
///   along tokens: kept weights per pass of `peRows` tokens). Each engine alone is a bound, so is
///   the slower of the two.
/// - memory: the exact bytes the mapping moves (weights once per token tile unless they stay,
///   inputs once per row tile unless they stay, outputs once) over the DRAM bandwidth.
struct MappingBounds {
    let space: Mapspace

    /// The dense engine's PE columns (1 ..< peColumns) that minimize the slower engine's work:
    /// `dense` falls and `sparse` (of the remaining columns) rises as the dense engine widens, so
    /// the crossing is found by bisection, then the column on either side of it is compared.
    static func balancedSplit(peColumns: Int, dense: (Int) -> Double, sparse: (Int) -> Double) -> Int {
        var low = 1, high = peColumns - 1
        while low < high {
            let mid = (low + high) / 2
            if dense(mid) > sparse(peColumns - mid) { low = mid + 1 } else { high = mid }
        }
        guard low > 1 else { return low }
        let here = max(dense(low), sparse(peColumns - low)), below = max(dense(low - 1), sparse(peColumns - low + 1))
        return below < here ? low - 1 : low
    }

    func candidates() -> [Candidate] {
        let config = space.config, layer = space.layer
        let peRows = config.peRows, peColumns = config.peColumns
        let tokens = config.tokens
        let activationBytes = Double(config.activationBits) / 8
        let inputBytes = Double(tokens * layer.cols) * activationBytes
        let outputBytes = Double(tokens * layer.rows) * activationBytes
        let bytesPerCycle = config.dramBytesPerCycle
        // Float sums in the player may differ in the last bits: keep the bound strictly below.
        let slack = 1 - 1e-9
        let halfInputs = config.inputBufferKiB * 1024 / 2
        var result: [Candidate] = []

        for rowTile in space.rowTiles {
            let stats = PartitionStatistics(space: space, rowTile: rowTile)
            for tokenTile in space.tokenTiles(rowTile: rowTile) {
                let tokenTileCount = ceilDiv(tokens, tokenTile)
                let remainder = tokens - (tokenTileCount - 1) * tokenTile
                let passes = (tokenTileCount - 1) * ceilDiv(tokenTile, peRows) + ceilDiv(remainder, peRows)
                let inputsFit = Double(tokenTile * layer.cols) * activationBytes <= config.inputBufferKiB * 1024
                let orders = LoopOrder.allCases.filter { $0 != .inputsStay || inputsFit }

                func traffic(_ order: LoopOrder, weights: Double, keptWeights: Double) -> Double {
                    switch order {
                    case .streaming: weights * Double(tokenTileCount) + inputBytes * Double(stats.rowTileCount) + outputBytes
                    case .inputsStay: weights * Double(tokenTileCount) + inputBytes + outputBytes
                    case .weightsStay: keptWeights + (weights - keptWeights) * Double(tokenTileCount)
                        + inputBytes * Double(stats.rowTileCount) + outputBytes
                    }
                }

                func denseWork(_ lines: LineDimension, engineColumns: Int, peColumns width: Int) -> Double {
                    guard engineColumns > 0 else { return 0 }
                    switch lines {
                    case .rows: return Double(stats.rowGroups * ceilDiv(engineColumns, width) * tokens)
                    case .tokens: return Double(ceilDiv(layer.rows * engineColumns, width) * passes)
                    }
                }

                // The N:M datapath: all columns compressed on the dense engine.
                if space.structured, let slots = layer.structuredSlots,
                   Double(tokenTile * layer.groupSize) * activationBytes <= halfInputs {
                    let engineColumns = layer.cols / layer.groupSize * slots
                    let rows = Double(layer.rows * engineColumns)
                    let bytes = rows * Double(space.valueBits) / 8 + rows * Double(SparseFormat.bitsToIndex(layer.groupSize)) / 8
                    for lines in LineDimension.allCases {
                        let compute = denseWork(lines, engineColumns: engineColumns, peColumns: peColumns)
                        for order in orders where order != .weightsStay {
                            let bound = max(compute, traffic(order, weights: bytes, keptWeights: 0) / bytesPerCycle) * slack
                            result.append(Candidate(bound: bound, denseColumnChoice: 0, rowTile: Int32(rowTile),
                                                    tokenTile: Int32(tokenTile), densePEColumns: Int16(peColumns), formatIndex: 0,
                                                    denseLines: lines, sparseLines: .rows, loopOrder: order, structured: true))
                        }
                    }
                }

                for (choice, g) in space.denseColumnChoices.enumerated() {
                    let sparseKept = stats.sparseKept[choice], sparseFolds = stats.sparseFolds[choice]
                    let allDense = g == layer.cols
                    let denseLineChoices: [LineDimension] = g == 0 ? [.rows] : LineDimension.allCases
                    let sparseLineChoices: [LineDimension] = allDense ? [.rows] : LineDimension.allCases
                    let formatIndices = allDense ? [0] : Array(space.formats.indices)
                    for denseLines in denseLineChoices {
                        for sparseLines in sparseLineChoices {
                            func sparseWork(_ lines: Int) -> Double {
                                guard !allDense, sparseKept > 0 else { return 0 }
                                switch sparseLines {
                                case .rows: return Double(ceilDiv(sparseFolds * tokens, lines))
                                case .tokens: return Double(ceilDiv(sparseKept, lines) * passes)
                                }
                            }
                            let densePE = g == 0 ? 0 : allDense ? peColumns : Self.balancedSplit(peColumns: peColumns,
                                dense: { denseWork(denseLines, engineColumns: g, peColumns: $0) }, sparse: sparseWork)
                            let compute = max(denseWork(denseLines, engineColumns: g, peColumns: max(densePE, 1)),
                                              sparseWork(max(peColumns - densePE, 1)))
                            for formatIndex in formatIndices {
                                let weights = stats.weightBytes[choice][formatIndex]
                                let kept = stats.keptWeightBytes[choice][formatIndex]
                                for order in orders where order != .weightsStay || kept > 0 {
                                    let bound = max(compute, traffic(order, weights: weights, keptWeights: kept) / bytesPerCycle) * slack
                                    result.append(Candidate(bound: bound, denseColumnChoice: Int32(choice), rowTile: Int32(rowTile),
                                                            tokenTile: Int32(tokenTile), densePEColumns: Int16(densePE),
                                                            formatIndex: Int8(formatIndex), denseLines: denseLines,
                                                            sparseLines: sparseLines, loopOrder: order, structured: false))
                                }
                            }
                        }
                    }
                }
            }
        }
        return result
    }
}
