"""mscref: a reference tool on mesenchymal stem/stromal cell therapies, every figure cited."""

__version__ = "0.1.0"
