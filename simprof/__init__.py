"""simprof: how much RAM a TFLite Micro model needs on a microcontroller, estimated and measured."""
__version__ = "0.1.0"
