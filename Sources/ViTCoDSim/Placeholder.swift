public enum ViTCoDSimPlaceholder {}
