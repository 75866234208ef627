import ONNXIO
/// Quantization, NNR units, the encode/decode pipeline and size reports.
public enum CodecInfo {}
