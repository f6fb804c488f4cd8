"""The evidence layer: statistical methods, the analyses and the evidence ladder.

It builds on the data layer only.
"""
