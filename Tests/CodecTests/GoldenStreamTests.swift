import Codec
import ONNXIO
import Testing
import TestSupport

/// SHA-256 of the encoder's output for every testdata model at a small matrix of settings.
///
/// Recorded before the library refactoring of issue 9 so that every later change proves the
/// streams byte-identical. A change that alters the bitstream on purpose must update these
/// values in the same commit and say why.
@Suite("golden stream hashes")
struct GoldenStreamTests {
    /// The settings of the matrix, by name.
    /// The hashes recorded before issue 15's per-tensor G keep NNCodec's G = 11 fixed, so they
    /// still prove the coder unchanged; "q15-auto-g" and "qp-38-dq-auto-g" record the default
    /// (G chosen per tensor, `UnaryLengthChoice`) since then.
    static let settings: [String: EncodeOptions] = {
        var q15 = EncodeOptions(q: 15)
        q15.threads = 1
        var qp38 = EncodeOptions()
        var dq = EncodeOptions()
        dq.dependentQuantization = true
        var bare = EncodeOptions()
        bare.carryTopology = false
        let autoQ15 = q15, autoDQ = dq
        q15.unaryLength = 11; qp38.unaryLength = 11; dq.unaryLength = 11; bare.unaryLength = 11
        return ["q15": q15, "qp-38": qp38, "qp-38-dq": dq, "qp-38-no-topology": bare,
                "q15-auto-g": autoQ15, "qp-38-dq-auto-g": autoDQ]
    }()

    static let golden: [String: String] = [
        "concat_dw q15": "b88dc97d0dcb695e0238e83a0241ce714e7a5426506323dbdfd71b9bba838cb0",
        "concat_dw qp-38": "8ab592f6190df8e745bc68067f153a0ef8e9b9b3bcba03f892e04b58803738a3",
        "concat_dw qp-38-dq": "bab6b1d419732cae95f3746f246bb9c6f67cc5dc4089d940a0c44586f6e6e5d9",
        "concat_dw qp-38-no-topology": "05457b059a91d5b3a7811814272be6423c3b224023961286d8d90fcc09ae4a03",
        "lenet300 q15": "d78e677419c762f6e55fbdb2a289454325ca13eccdfabf0c88b05fcb5b3c402e",
        "lenet300 qp-38": "eac28ead01653d955dfecf148721b990484f947e22bce665c7dae21ea7442502",
        "lenet300 qp-38-dq": "18fa60e735b9acb65d48109c60767842448c4f5b40412e8d3078995d7c054cf4",
        "lenet300 qp-38-no-topology": "6d976ee3787496a691aefbce8200171735894d8f70ea14ce662c70913a0f8fe8",
        "lenet300_ext qp-38": "eac28ead01653d955dfecf148721b990484f947e22bce665c7dae21ea7442502",
        "lenet5 q15": "fe93df6848cea9a85409afbc802c05df298eb92d4b2911e72d84515798359975",
        "lenet5 qp-38": "06962875215699d5ad217f2c5de9e2a1f3ddb3de5b768d0eea4ae59cfe921fae",
        "lenet5 qp-38-dq": "d3394e3c99662bf2f21197010e85227ea616164055e8e321c307518fe6a82b1a",
        "lenet5 qp-38-no-topology": "be192f7d3ff84c5bb817a50a32f68f3ea93139377aaa182b78461b3905a20485",
        "resnet_small q15": "3520da7b1c3cc3fced374e8b501be70328cf14c30a6d0b45ca8960218cf17ee0",
        "resnet_small qp-38": "4000dbd158faf58b4265e1b3aab4f18efb7f41ef1e68d5042c147001d13749f6",
        "resnet_small qp-38-dq": "6b16160c16173551e2d4462b324a6803f24a5f6eed90ec623d8edc6821d5f65e",
        "resnet_small qp-38-no-topology": "35ac6962d20be9185516906898e50b5f984967620c94bb8a3a1b42afcc5c6ca9",
        // tiny_bert re-recorded by issue 13: its Constant nodes (shape vectors, scalars) are
        // now coded as NDUs instead of riding in the topology unit.
        "tiny_bert q15": "9a10577b75c3b64cca5d549cf254e27a69b4d96a3f3c2adce79acf6e424903b7",
        "tiny_bert qp-38": "1ea0caa24f45070899efee7ea7a71ced37f425cfbd410799669fc0af58e2ec7a",
        "tiny_bert qp-38-dq": "50419616625297694941197c6ca9fee2e3cd652c9117c21e021f832be1f44dc4",
        "tiny_bert qp-38-no-topology": "63c07670f69d57103eb30c2952d7aea6542b18e36a7156d14073dbc55586872d",
        // Issue 15: G chosen per tensor (the default since then).
        "concat_dw q15-auto-g": "c284abba3c0eadd8a6a3d2c675afd1fcb59f76766095ebd2d6d4e58e91dd143b",
        "lenet300 q15-auto-g": "e6549271e3d31e5d3e0d958177bc68e3057698ed840a3a61b625e3457f9b44dc",
        "lenet300 qp-38-dq-auto-g": "bb56ca18e50f645ada072a264aa41d704eab833e8e0a7ef77f1ec9d9c2d90ef3",
        "lenet5 q15-auto-g": "c5d10e4e90a6581e82d51a3db23680540eaadc910da812faad3a4e8fa4051dc0",
        "resnet_small q15-auto-g": "840fd086623b508e6878e85f70d3a87b756ecaaf7cbf258c2ac0c114a5d41fb8",
        "resnet_small qp-38-dq-auto-g": "6b16160c16173551e2d4462b324a6803f24a5f6eed90ec623d8edc6821d5f65e",
        "tiny_bert q15-auto-g": "722b687d3495016da1c35fc68664ff6c7c6bb8e793d8c50c9a6f31b217d0b24d",
    ]

    /// One case per recorded key ("model setting"), so the cases run in parallel.
    @Test(arguments: golden.keys.sorted())
    func streamMatchesRecordedHash(_ key: String) throws {
        let parts = key.split(separator: " ").map(String.init)
        let model = try Model.load(path: TestData.path(parts[0] + ".onnx"))
        let options = try #require(Self.settings[parts[1]])
        let (bytes, _) = try ModelEncoder(options: options).encode(model)
        let hash = SHA256.hex(bytes)
        #expect(Self.golden[key] == hash, "\(key): stream of \(bytes.count) bytes has SHA-256 \(hash)")
    }

    @Test func sha256KnownAnswers() {
        #expect(SHA256.hex([]) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(SHA256.hex(Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        let long = Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)
        #expect(SHA256.hex(long) == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }
}
