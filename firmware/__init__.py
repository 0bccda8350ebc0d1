"""simprof-rt and board support, in C. This package only locates the sources."""
from pathlib import Path

SOURCE_DIR = Path(__file__).resolve().parent
