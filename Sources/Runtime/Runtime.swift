/// CPU inference engine for ONNX graphs.
public enum RuntimeInfo {}
