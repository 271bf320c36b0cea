"""Real inputs: mosaics of native-resolution crops, classifier crops, user files and folders."""

import numpy as np
import pytest
import skimage.io

from socsim.errors import WorkloadError
from socsim.workload.images import MOSAIC_TILE, load_sources, make_inputs, sources_identity

PHOTOS = ["skimage:astronaut", "skimage:coffee", "skimage:chelsea"]
# 600×700 (H×W): no photo covers it, so it is a 3×3 mosaic whose last row and column are partial tiles.
MOSAIC_HW = (600, 700)


def _find_verbatim(tile: np.ndarray, sources) -> list[tuple[str, int, int]]:
    """Every (source, top, left) where ``tile`` occurs pixel for pixel in a source photo."""
    hh, ww = tile.shape[:2]
    probes = [(0, 0), (hh - 1, ww - 1), (hh // 2, ww // 2), (0, ww - 1), (hh - 1, 0), (hh // 3, 2 * ww // 3)]
    hits = []
    for src in sources:
        img = src.pixels
        sh, sw = img.shape[:2]
        if sh < hh or sw < ww:
            continue
        ok = np.ones((sh - hh + 1, sw - ww + 1), dtype=bool)
        for y, x in probes:  # narrow the candidates with a few pixels, then compare whole tiles
            ok &= (img[y : y + sh - hh + 1, x : x + sw - ww + 1] == tile[y, x]).all(axis=2)
        for top, left in zip(*np.nonzero(ok)):
            if np.array_equal(img[top : top + hh, left : left + ww], tile):
                hits.append((src.name, int(top), int(left)))
    return hits


@pytest.fixture(scope="module")
def sources(tmp_path_factory):
    return load_sources(PHOTOS, tmp_path_factory.mktemp("base"))


def test_mosaic_has_the_size_and_every_tile_is_real_pixels(tmp_path, sources):
    h, w = MOSAIC_HW
    (img,) = make_inputs(PHOTOS, tmp_path, 1, h, w, classifier=False, seed=3)
    assert img.pixels.shape == (h, w, 3) and img.pixels.dtype == np.uint8
    assert img.how.startswith("mosaic 3×3 of native 256×256 crops")
    for top in range(0, h, MOSAIC_TILE):
        for left in range(0, w, MOSAIC_TILE):
            tile = img.pixels[top : top + MOSAIC_TILE, left : left + MOSAIC_TILE]
            assert _find_verbatim(tile, sources), f"tile at ({top},{left}) is not a crop of any source"


def test_large_photo_gives_a_native_crop(tmp_path, sources):
    (img,) = make_inputs(PHOTOS, tmp_path, 1, 256, 384, classifier=False, seed=0)
    assert img.pixels.shape == (256, 384, 3) and img.how.startswith("native crop 384×256")
    assert _find_verbatim(img.pixels, sources)


def test_classifier_inputs_are_224_uint8(tmp_path):
    imgs = make_inputs(PHOTOS, tmp_path, 4, 224, 224, classifier=True, seed=0)
    assert [i.pixels.shape for i in imgs] == [(224, 224, 3)] * 4
    assert all(i.pixels.dtype == np.uint8 for i in imgs)
    assert "skimage:astronaut" in imgs[0].how and "centre crop 224×224" in imgs[0].how
    assert imgs[0].sha256 != imgs[1].sha256 and imgs[0].sha256 == imgs[3].sha256  # cycles through the photos


def test_make_inputs_is_deterministic_and_differs_per_frame(tmp_path):
    h, w = MOSAIC_HW
    a = make_inputs(PHOTOS, tmp_path, 3, h, w, classifier=False, seed=7)
    b = make_inputs(PHOTOS, tmp_path, 3, h, w, classifier=False, seed=7)
    c = make_inputs(PHOTOS, tmp_path, 3, h, w, classifier=False, seed=8)
    assert [x.sha256 for x in a] == [x.sha256 for x in b] and [x.how for x in a] == [x.how for x in b]
    assert len({x.sha256 for x in a}) == 3
    assert [x.sha256 for x in a] != [x.sha256 for x in c]


def _photo(seed: int, h: int, w: int) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, size=(h, w, 3), dtype=np.uint8)


def test_user_file_and_folder(tmp_path):
    folder = tmp_path / "photos"
    folder.mkdir()
    first, second = _photo(0, 40, 60), _photo(1, 50, 30)
    skimage.io.imsave(folder / "b.png", second, check_contrast=False)
    skimage.io.imsave(folder / "a.png", first, check_contrast=False)
    (folder / "notes.txt").write_text("not an image")
    grey = np.random.default_rng(2).integers(0, 256, size=(20, 30), dtype=np.uint8)
    skimage.io.imsave(tmp_path / "grey.png", grey, check_contrast=False)

    (one,) = load_sources(["photos/a.png"], tmp_path)  # relative to the scenario's folder
    assert np.array_equal(one.pixels, first)
    both = load_sources([str(folder)], tmp_path)
    assert [s.name for s in both] == [str(folder / "a.png"), str(folder / "b.png")]
    assert np.array_equal(both[1].pixels, second)
    (g,) = load_sources(["grey.png"], tmp_path)
    assert g.pixels.shape == (20, 30, 3) and all(np.array_equal(g.pixels[:, :, i], grey) for i in range(3))
    (img,) = make_inputs(["photos"], tmp_path, 1, 32, 48, classifier=False, seed=0)
    assert img.pixels.shape == (32, 48, 3) and str(folder) in img.how
    assert len(sources_identity(["photos"], tmp_path)) == 2


def test_user_16_bit_and_alpha_images(tmp_path):
    rgba = np.dstack([_photo(3, 10, 12), np.full((10, 12), 128, dtype=np.uint8)])
    skimage.io.imsave(tmp_path / "rgba.png", rgba, check_contrast=False)
    grey8 = _photo(4, 10, 12)[:, :, 0]
    skimage.io.imsave(tmp_path / "deep.png", grey8.astype(np.uint16) * 257, check_contrast=False)
    assert skimage.io.imread(tmp_path / "deep.png").dtype == np.uint16
    a, d = load_sources(["rgba.png", "deep.png"], tmp_path)
    assert np.array_equal(a.pixels, rgba[:, :, :3])
    assert np.array_equal(d.pixels, np.dstack([grey8] * 3))  # 16-bit scaled to 8, not clipped


def test_folder_without_images_names_workload_images(tmp_path):
    (tmp_path / "x").mkdir()
    (tmp_path / "x" / "readme.txt").write_text("no images here")
    with pytest.raises(WorkloadError, match="workload.images='x': folder holds no images") as info:
        load_sources(["x"], tmp_path)
    assert "\n" not in str(info.value)


def test_missing_source_names_workload_images(tmp_path):
    for call in (load_sources, sources_identity):
        with pytest.raises(WorkloadError, match="workload.images='nope': file or folder not found"):
            call(["nope"], tmp_path)


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # imageio probes its legacy DICOM plug-in
@pytest.mark.parametrize("content", [b"not a png", b"xx"])
def test_unreadable_file_is_a_one_line_error(tmp_path, content):
    (tmp_path / "broken.png").write_bytes(content)
    with pytest.raises(WorkloadError, match="workload.images='.*broken.png': cannot read image") as info:
        load_sources([str(tmp_path / "broken.png")], tmp_path)
    assert "\n" not in str(info.value)
