"""Static side of simprof: peak RAM of a .tflite model without running it."""
