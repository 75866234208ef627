"""The 64-bit FNV-1a hash the Swift fixture tests use for decoded tensors and streams
(`fnv1a64` in Tests/CodecTests/NNRFixtureSupport.swift): one definition for every fixture-making script."""


def fnv1a64(b: bytes) -> str:
    h = 0xcbf29ce484222325
    for x in b:
        h ^= x
        h = (h * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
    return "%016x" % h
