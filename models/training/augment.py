"""Augmentations for a product where phones send photos of CT scans and PACS bridges send CT in
Hounsfield units.

The CT look (what the edge makes of stored CT): the dataset's JPEGs are read as made with the
window they look made with (-405/1375 HU, measured from their tissue peaks: the edge's default
lung window), turned back into HU, clipped at an air floor near -1024 HU (stored CT has nothing
below it: gray ~13 under that window), and windowed again with a level and width drawn between
that window and the standard -600/1500 preset a caller may ask for. Geometric changes (horizontal flip, small rotation, scale and shift) apply to
image, mask and edge together; photometric ones (brightness, contrast,
gamma, Gaussian blur, slight Gaussian noise, JPEG re-compression) to the
image only. Every random number comes from the numpy Generator passed in, so
a seeded Generator reproduces an augmentation exactly. Everything runs with
PIL/numpy on the small source images (150..460 px), before the resize to the
network size.
"""

import io
from dataclasses import dataclass
from typing import Optional, Tuple

import numpy as np
from PIL import Image, ImageFilter

try:  # Pillow >= 9.1
    _BILINEAR = Image.Resampling.BILINEAR
    _AFFINE = Image.Transform.AFFINE
    _FLIP = Image.Transpose.FLIP_LEFT_RIGHT
except AttributeError:  # older Pillow
    _BILINEAR, _AFFINE, _FLIP = Image.BILINEAR, Image.AFFINE, Image.FLIP_LEFT_RIGHT


@dataclass(frozen=True)
class AugmentConfig:
    p_flip: float = 0.5
    p_affine: float = 0.7
    max_rotate_deg: float = 15.0
    scale: Tuple[float, float] = (0.9, 1.1)
    max_shift: float = 0.06           # fraction of width/height
    p_brightness: float = 0.5
    brightness: float = 0.1           # additive, in 0..1 units
    p_contrast: float = 0.5
    contrast: Tuple[float, float] = (0.8, 1.25)
    p_gamma: float = 0.5
    gamma: Tuple[float, float] = (0.75, 1.35)
    p_blur: float = 0.2
    blur_radius: Tuple[float, float] = (0.4, 1.2)
    p_noise: float = 0.3
    noise_std: Tuple[float, float] = (0.005, 0.03)
    p_jpeg: float = 0.3
    jpeg_quality: Tuple[int, int] = (30, 90)  # inclusive
    # The CT look: the JPEG read as this window, clipped at the floor, windowed again.
    p_ct: float = 0.5
    ct_source_window: Tuple[float, float] = (-405.0, 1375.0)  # center, width (HU)
    ct_air_floor: Tuple[float, float] = (-1024.0, -990.0)     # HU
    ct_center: Tuple[float, float] = (-620.0, -380.0)         # HU
    ct_width: Tuple[float, float] = (1300.0, 1600.0)          # HU

    @classmethod
    def geometric_only(cls, **overrides) -> "AugmentConfig":
        off = dict(p_brightness=0.0, p_contrast=0.0, p_gamma=0.0, p_blur=0.0,
                   p_noise=0.0, p_jpeg=0.0, p_ct=0.0)
        off.update(overrides)
        return cls(**off)


def affine_coefficients(width: int, height: int, angle_deg: float, scale: float,
                        shift_x: float, shift_y: float) -> Tuple[float, ...]:
    """PIL AFFINE data for: rotate by angle and scale about the image centre,
    then shift by (shift_x, shift_y) pixels. PIL wants the inverse map
    (output pixel -> input pixel), which is what this returns."""
    cx, cy = width / 2.0, height / 2.0
    t = np.deg2rad(angle_deg)
    cos, sin = np.cos(t), np.sin(t)
    # forward: p_out = c + s * R(t) (p_in - c) + shift, R(t) = [[cos, -sin], [sin, cos]]
    # inverse: p_in  = c + (1/s) * R(-t) (p_out - c - shift)
    a, b = cos / scale, sin / scale
    d, e = -sin / scale, cos / scale
    ox, oy = cx + shift_x, cy + shift_y
    c = cx - (a * ox + b * oy)
    f = cy - (d * ox + e * oy)
    return (a, b, c, d, e, f)


def ct_look(img: np.ndarray, source_window: Tuple[float, float], air_floor: float,
            center: float, width: float) -> np.ndarray:
    """The 0..1 slice as the edge shows stored CT: read as `source_window`, clipped at
    `air_floor` HU, windowed linearly with (center, width)."""
    src_center, src_width = source_window
    hu = (src_center - src_width / 2.0) + img * src_width
    hu = np.maximum(hu, air_floor)
    return np.clip((hu - (center - width / 2.0)) / width, 0.0, 1.0).astype(np.float32)


def stored_ct_look(config: AugmentConfig = AugmentConfig()) -> "PhoneScanAugment":
    """The validation slices as the edge shows stored CT under its default window: air clipped
    at -1024 HU, the source window (the edge's default) again, and nothing else. Deterministic:
    every range is one value and every other step is off."""
    window = config.ct_source_window
    return PhoneScanAugment(AugmentConfig.geometric_only(
        p_flip=0.0, p_affine=0.0, p_ct=1.0, ct_source_window=window, ct_air_floor=(-1024.0, -1024.0),
        ct_center=(window[0], window[0]), ct_width=(window[1], window[1])))


def _to_uint8(x: np.ndarray) -> np.ndarray:
    return np.clip(np.rint(x * 255.0), 0, 255).astype(np.uint8)


class PhoneScanAugment:
    """__call__(image, mask, edge, rng) -> (image, mask, edge) as float32
    arrays in 0..1 (edge may be None). Inputs are PIL "L" images of one size."""

    def __init__(self, config: AugmentConfig = AugmentConfig()):
        self.config = config

    def __call__(self, image: Image.Image, mask: Image.Image, edge: Optional[Image.Image],
                 rng: np.random.Generator):
        cfg = self.config
        maps = [image, mask] + ([edge] if edge is not None else [])

        # --- geometric: the same transform for image, mask and edge ---
        if rng.random() < cfg.p_flip:
            maps = [m.transpose(_FLIP) for m in maps]
        if rng.random() < cfg.p_affine:
            w, h = maps[0].size
            angle = rng.uniform(-cfg.max_rotate_deg, cfg.max_rotate_deg)
            scale = rng.uniform(*cfg.scale)
            sx = rng.uniform(-cfg.max_shift, cfg.max_shift) * w
            sy = rng.uniform(-cfg.max_shift, cfg.max_shift) * h
            coeffs = affine_coefficients(w, h, angle, scale, sx, sy)
            # Bilinear for all three: the mask's border becomes soft, which the
            # loss takes as-is; background outside the slice is black (0).
            maps = [m.transform((w, h), _AFFINE, coeffs, resample=_BILINEAR, fillcolor=0)
                    for m in maps]

        img = np.asarray(maps[0], dtype=np.float32) / 255.0
        mask_a = np.asarray(maps[1], dtype=np.float32) / 255.0
        edge_a = np.asarray(maps[2], dtype=np.float32) / 255.0 if edge is not None else None

        # --- what the source did to the gray values: image only ---
        if rng.random() < cfg.p_ct:
            img = ct_look(img, cfg.ct_source_window, rng.uniform(*cfg.ct_air_floor),
                          rng.uniform(*cfg.ct_center), rng.uniform(*cfg.ct_width))

        # --- photometric: image only ---
        if rng.random() < cfg.p_contrast:
            c = rng.uniform(*cfg.contrast)
            m = float(img.mean())
            img = (img - m) * c + m
        if rng.random() < cfg.p_brightness:
            img = img + rng.uniform(-cfg.brightness, cfg.brightness)
        img = np.clip(img, 0.0, 1.0)
        if rng.random() < cfg.p_gamma:
            img = img ** rng.uniform(*cfg.gamma)
        if rng.random() < cfg.p_blur:
            radius = rng.uniform(*cfg.blur_radius)
            blurred = Image.fromarray(_to_uint8(img)).filter(ImageFilter.GaussianBlur(radius))
            img = np.asarray(blurred, dtype=np.float32) / 255.0
        if rng.random() < cfg.p_noise:
            std = rng.uniform(*cfg.noise_std)
            img = img + rng.normal(0.0, std, size=img.shape).astype(np.float32)
        if rng.random() < cfg.p_jpeg:
            quality = int(rng.integers(cfg.jpeg_quality[0], cfg.jpeg_quality[1] + 1))
            buf = io.BytesIO()
            Image.fromarray(_to_uint8(np.clip(img, 0.0, 1.0))).save(buf, format="JPEG",
                                                                   quality=quality)
            buf.seek(0)
            with Image.open(buf) as im:
                img = np.asarray(im.convert("L"), dtype=np.float32) / 255.0
        img = np.clip(img, 0.0, 1.0).astype(np.float32)
        return img, mask_a, edge_a
