import Foundation
import Testing
import TestSupport

/// The repository's documents as a reader meets them: every relative link leads somewhere, the
/// README stays short and starts with the two set-up commands, and nothing points outside the
/// repository.
@Suite struct DocumentationTests {
    static let root = RealData.packageRoot

    /// README.md and every Markdown file under docs/, traces/, scripts/ and Sources/.
    static let documents: [String] = {
        var found = ["README.md"]
        for folder in ["docs", "traces", "scripts", "Sources", "Tests"] {
            let enumerator = FileManager.default.enumerator(atPath: root + "/" + folder)
            while let path = enumerator?.nextObject() as? String {
                if path.hasSuffix(".md") { found.append(folder + "/" + path) }
            }
        }
        return found.sorted()
    }()

    /// The targets of `[text](target)` links, without their `#fragment`, skipping web addresses
    /// and links within the page.
    static func relativeLinks(in text: String) -> [String] {
        let pattern = try! NSRegularExpression(pattern: #"\]\(([^)\s]+)\)"#)
        let range = NSRange(text.startIndex..., in: text)
        return pattern.matches(in: text, range: range).compactMap { match in
            let target = String(text[Range(match.range(at: 1), in: text)!])
            if target.hasPrefix("#") || target.contains("://") || target.hasPrefix("mailto:") { return nil }
            return String(target.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false)[0])
        }
    }

    @Test func relativeLinkExtractionSkipsAnchorsAndWebAddresses() {
        let text = "[a](docs/x.md#part) [b](#top) [c](https://example.org/y) ![d](table.svg) [e](../up.md)"
        #expect(Self.relativeLinks(in: text) == ["docs/x.md", "table.svg", "../up.md"])
    }

    @Test func everyRelativeLinkResolves() throws {
        #expect(Self.documents.count > 10)
        var broken: [String] = []
        for document in Self.documents {
            let text = try String(contentsOfFile: Self.root + "/" + document, encoding: .utf8)
            let folder = URL(fileURLWithPath: Self.root + "/" + document).deletingLastPathComponent()
            for link in Self.relativeLinks(in: text) {
                let target = folder.appendingPathComponent(link.removingPercentEncoding ?? link).standardizedFileURL.path
                if !FileManager.default.fileExists(atPath: target) { broken.append("\(document) → \(link)") }
                if !target.hasPrefix(Self.root + "/") { broken.append("\(document) → \(link) (outside the repository)") }
            }
        }
        #expect(broken.isEmpty, "\(broken.joined(separator: "\n"))")
    }

    @Test func readmeIsShortAndStartsWithTheTwoSetUpCommands() throws {
        let lines = try String(contentsOfFile: Self.root + "/README.md", encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.count <= 250)
        let head = lines.prefix(8).joined(separator: "\n")
        #expect(head.contains("# run the tests\nbash scripts/test.sh"))
        #expect(head.contains("apt-get install -y libopenblas-dev libhdf5-dev") && head.contains("swift run -c release sparsim simulate"))
    }

    /// The design notes the code cites live in docs/design/; no file names the notes outside the
    /// repository (the fetch scripts may still copy the data from a local folder).
    @Test func nothingCitesNotesOutsideTheRepository() throws {
        let outside = ["shared/BACKWARD.md", "shared/REFERENCE.md", "shared/DESIGN.md"]
        var citing: [String] = []
        for folder in ["Sources", "Tests", "docs", "scripts", "traces"] {
            let enumerator = FileManager.default.enumerator(atPath: Self.root + "/" + folder)
            while let path = enumerator?.nextObject() as? String {
                guard [".swift", ".md", ".sh", ".py", ".c", ".h"].contains(where: path.hasSuffix),
                      path != "DocumentationTests/DocumentationTests.swift" else { continue }
                let text = (try? String(contentsOfFile: Self.root + "/" + folder + "/" + path, encoding: .utf8)) ?? ""
                if outside.contains(where: text.contains) { citing.append(folder + "/" + path) }
            }
        }
        let readme = try String(contentsOfFile: Self.root + "/README.md", encoding: .utf8)
        if outside.contains(where: readme.contains) { citing.append("README.md") }
        #expect(citing.isEmpty, "\(citing)")
    }
}

extension DocumentationTests {
    /// Every `<!-- reproduce:NAME -->` table in docs/results is one `scripts/reproduce.sh` knows,
    /// closed, and filled with a stamp and a table; every table the script knows has its markers.
    @Test func reproducibleTablesAndTheScriptAgree() throws {
        let script = try String(contentsOfFile: Self.root + "/scripts/reproduce.sh", encoding: .utf8)
        let namesLine = try #require(script.split(separator: "\n").first { $0.hasPrefix("names=(") })
        let known = Set(namesLine.dropFirst("names=(".count).dropLast().split(separator: " ").map(String.init))
        var marked: Set<String> = []
        let opening = try NSRegularExpression(pattern: #"<!-- reproduce:([a-z0-9-]+) -->"#)
        for document in Self.documents where document.hasPrefix("docs/results/") {
            let text = try String(contentsOfFile: Self.root + "/" + document, encoding: .utf8)
            for match in opening.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
                let name = String(text[Range(match.range(at: 1), in: text)!])
                marked.insert(name)
                #expect(known.contains(name), "\(document): table \(name) is not in scripts/reproduce.sh")
                let body = text.components(separatedBy: "<!-- reproduce:\(name) -->")[1].components(separatedBy: "<!-- /reproduce:\(name) -->")
                #expect(body.count == 2, "\(document): table \(name) is not closed")
                // Stamped by a run of the script, or saying in its first line that it is still the earlier measurement.
                let stamped = body[0].hasPrefix("\nReproduced ") || body[0].hasPrefix("\nNot yet reproduced by `bash scripts/reproduce.sh \(name)`")
                #expect(stamped && body[0].contains("|---"), "\(document): table \(name) has neither a stamp nor a table")
            }
        }
        #expect(marked == known, "tables the script knows but no document marks: \(known.subtracting(marked).sorted())")
    }

    /// Every table of docs/results lies between reproduce markers: `reproduce.sh --list` names them all.
    @Test func everyResultsTableIsOneTheScriptRegenerates() throws {
        for document in Self.documents where document.hasPrefix("docs/results/") {
            var inside: String?
            for (number, line) in try String(contentsOfFile: Self.root + "/" + document, encoding: .utf8)
                .split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                if line.hasPrefix("<!-- reproduce:") { inside = String(line) }
                if line.hasPrefix("<!-- /reproduce:") { inside = nil }
                let isTableRow = line.hasPrefix("|") && line.hasSuffix("|")  // not prose that starts with |K|
                if isTableRow && inside == nil { Issue.record("\(document):\(number + 1): a table outside reproduce markers") }
            }
        }
    }
}
