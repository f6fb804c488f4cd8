"""The registry layer: ClinicalTrials.gov records mapped to trials, and the lossless merge.

It builds on the data layer only.
"""
