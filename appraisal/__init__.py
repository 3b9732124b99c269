"""Low-Carbon Appraisal: Green Book appraisal of low-carbon infrastructure pipelines."""

__version__ = "0.1.0"
