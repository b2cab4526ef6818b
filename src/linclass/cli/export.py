"""``linclass export``: a model's linear head as a ``.safetensors`` file."""

import time

from linclass.cli._common import add_model_argument, emit


def add_parser(subparsers, parent):
    p = subparsers.add_parser(
        "export", parents=[parent], help="export a model's weights for use elsewhere",
        description="Write the linear head of a model file (scores = features @ W + b) as a "
                    ".safetensors file: tensors 'weight' (classes x features) and 'bias', "
                    "with the class names, loss and feature pipeline as metadata. Load it "
                    "in PyTorch (safetensors.torch.load_file, then nn.Linear) or with "
                    "linclass.export.load_safetensors; no pickle is involved.")
    add_model_argument(p)
    p.add_argument("--out", required=True, metavar="FILE",
                   help="the .safetensors file to write (replaced atomically)")
    return p


def run(args):
    from linclass.export import head, save_safetensors
    from linclass.model_file import load

    start = time.perf_counter()
    model = load(args.model)
    path = save_safetensors(model, args.out)
    W, _, classes, loss, features = head(model)
    result = {"model": str(args.model), "out": str(path), "n_features": int(W.shape[0]),
              "n_classes": int(W.shape[1]), "dtype": str(W.dtype), "loss": loss,
              "classes": [str(c) for c in classes], "image_model": bool(features),
              "seconds": round(time.perf_counter() - start, 3)}
    emit(args, result, f"wrote {path}: weight ({W.shape[1]} x {W.shape[0]}, {W.dtype}) and "
                       f"bias of a {loss} head over {W.shape[0]} "
                       f"{'pipeline features' if features else 'features'}")
    return 0
