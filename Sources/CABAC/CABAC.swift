/// The context-adaptive binary arithmetic coder of the NNC standard (DeepCABAC).
public enum CABACInfo {}
