import SparsimSupport
import Testing

/// FIPS 180-4's examples (and the empty message), split across updates at awkward places.
@Suite struct SHA256Tests {
    static func digest(_ text: String, chunk: Int) -> String {
        var hash = SHA256()
        let bytes = Array(text.utf8)
        for start in stride(from: 0, to: bytes.count, by: chunk) { hash.update(bytes[start..<min(start + chunk, bytes.count)]) }
        return hash.hexDigest()
    }

    @Test(arguments: [1, 7, 64, 1000])
    func knownDigests(chunk: Int) {
        #expect(Self.digest("", chunk: chunk) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(Self.digest("abc", chunk: chunk) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        // 56 bytes: the length no longer fits in the first padded block.
        #expect(Self.digest("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", chunk: chunk)
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        #expect(Self.digest(String(repeating: "a", count: 1000), chunk: chunk)
                == "41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3")
    }
}
