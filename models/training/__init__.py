"""Training pipeline for BSNet: data (dataset, split, multi-scale collate),
phone-photo augmentations, the structure + edge loss, and the validation
Dice used for model selection. The CLI is models/train.py.

The modules take preprocessing facts (mean/std, sizes) as arguments instead
of importing the model package, so they work both as `training.*` (scripts
run from models/) and as `models.training.*` (unittest discovery from the
repository root).
"""
