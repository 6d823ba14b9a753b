"""What the detector says inside each must-go box of the census (issue 22), before any cut.

    python benchmarks/must_go_probe.py --data ../shared/data MODEL [MODEL ...]

For each model folder and each dust box labelled `must_go` in benchmarks/census_labels.json: the damage probability
(`Restorer.raw`, the network's own answer, at the scan's own size, on a 256 px crop centred on the box) as its
maximum, 90th percentile and mean inside the box, next to the model's cut. A box whose 90th percentile sits just
under the cut is dust the detector half sees; one near 0 is dust it takes for picture.
"""
import argparse, json
from pathlib import Path
import numpy as np, torch
from film_restore.core import load_image
from film_restore.unet import load_restorer

LABELS = Path(__file__).parent / 'census_labels.json'

def must_go_boxes(labels_path=LABELS) -> list[tuple[str, list[int], str]]:
    "`(image, box, what)` of every must-go label."
    labels = json.loads(Path(labels_path).read_text())
    return [(img, l['box'], l['what']) for img, ls in labels['images'].items() for l in ls if l.get('must_go')]

def box_probabilities(model, img, box, crop: int = 256) -> np.ndarray:
    "The damage probabilities inside `box` [x0, y0, x1, y1], from a `crop` px window centred on it (clipped to the image)."
    x0, y0, x1, y1 = box
    H, W = img.shape[:2]
    X0 = int(np.clip((x0 + x1) // 2 - crop // 2, 0, max(0, W - crop))); Y0 = int(np.clip((y0 + y1) // 2 - crop // 2, 0, max(0, H - crop)))
    win = np.ascontiguousarray(img[Y0:Y0 + crop, X0:X0 + crop])
    t = torch.from_numpy(win).permute(2, 0, 1)[None].float()
    with torch.inference_mode(): _, logit = model.raw(t)
    if logit is None: raise ValueError("the model is not damage-aware: it predicts no damage probability")
    return torch.sigmoid(logit[0, 0]).numpy()[y0 - Y0:y1 - Y0, x0 - X0:x1 - X0]

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('models', nargs='+', help='model folders (model.pth and config.json)')
    ap.add_argument('--data', default='../shared/data', help='folder holding real_dusty_scan/')
    ap.add_argument('--labels', default=str(LABELS))
    a = ap.parse_args(argv)
    boxes, images = must_go_boxes(a.labels), {}
    for folder in a.models:
        model = load_restorer(folder)[0].eval()
        for name, box, what in boxes:
            if name not in images: images[name] = load_image(Path(a.data) / name)[0]
            p = box_probabilities(model, images[name], box)
            print(f"{folder}: {Path(name).name} {box} ({what}): max {p.max():.3f}, p90 {np.percentile(p, 90):.3f}, "
                  f"mean {p.mean():.3f}; cut {model.mask_threshold}")

if __name__ == '__main__': main()
