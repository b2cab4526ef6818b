"""Image folders: ``ROOT/<class name>/<image>``, on disk or inside a tar archive.

The layout is found from the list of file paths alone, so a directory and an archive of it
resolve identically:

* ``ROOT/<class>/**/<image>``: classes are the sorted sub-folder names of ``ROOT``;
* a single wrapping folder (``data/ROOT/...``) is descended into;
* split folders (``ROOT/train/<class>/...``, ``ROOT/test/<class>/...``) are chosen by ``split``
  (``None`` means ``train``).
"""

import numpy as np

from linclass.data._dataset import Dataset
from linclass.data._decode import IMAGE_EXTENSIONS, is_image_name, stack
from linclass.errors import DataError

SPLIT_FOLDERS = ("train", "test")
EXPECTED = f"ROOT/<class name>/<image> with {'/'.join(e[1:] for e in IMAGE_EXTENSIONS)} files"


def _visible(part):
    return not part.startswith(".") and part != "__MACOSX"


def find_layout(files, where, split=None):
    """Resolve the image-folder layout from relative POSIX file paths.

    Returns
    -------
    root : str
        The folder (relative, "" for the top) whose sub-folders are the classes.
    class_names : list of str
    members : list of (path, label)
        Image files, in class order then path order.
    """
    images = sorted(p for p in files
                    if is_image_name(p) and all(_visible(q) for q in p.split("/")))
    if not images:
        raise DataError(f"no images found in {where}: expected {EXPECTED}")
    root = ""
    while True:
        rel = [p[len(root):].split("/") for p in images if p.startswith(root)]
        children = sorted({parts[0] for parts in rel if len(parts) > 1})
        at_class_depth = any(len(parts) == 2 for parts in rel)
        if at_class_depth or not children:
            break
        split_folders = [c for c in children if c in SPLIT_FOLDERS]
        if split_folders:
            wanted = split or "train"
            if wanted not in split_folders:
                raise DataError(f"{where} has no '{wanted}' folder with images (found: "
                                f"{', '.join(split_folders)}); choose one with --split")
            root += wanted + "/"
        elif len(children) == 1:
            root += children[0] + "/"
        else:
            break
    rel = [(p, p[len(root):].split("/")) for p in images if p.startswith(root)]
    class_names = sorted({parts[0] for _, parts in rel if len(parts) > 1})
    if not class_names:
        raise DataError(f"no class folders in {where}/{root}: expected {EXPECTED} "
                        f"(found {len(rel)} images but no sub-folders)")
    # every visible sub-folder of ROOT is a class; one without images is an error
    folders = {f[len(root):].split("/")[0] for f in files
               if f.startswith(root) and "/" in f[len(root):]}
    folders |= {d for d in _dirs_under(files, root)}
    empty = sorted(f for f in folders if _visible(f) and f not in class_names)
    if empty:
        raise DataError(f"class folder '{empty[0]}' in {where}/{root} has no images: "
                        f"expected {EXPECTED}")
    index = {name: k for k, name in enumerate(class_names)}
    members = [(p, index[parts[0]]) for p, parts in rel if len(parts) > 1]
    members.sort(key=lambda m: (m[1], m[0]))
    return root, class_names, members


def _dirs_under(files, root):
    """Folder names directly under ``root`` that appear only as folders (trailing '/')."""
    return {f[len(root):].rstrip("/").split("/")[0] for f in files
            if f.endswith("/") and f.startswith(root) and f[len(root):].rstrip("/")}


def assemble(members, class_names, decoded, *, where, skip_bad):
    """A :class:`Dataset` from decoded images (arrays or failure reasons, as ``members``)."""
    bad = [(path, reason) for (path, _), reason in zip(members, decoded, strict=True)
           if isinstance(reason, str)]
    if bad and not skip_bad:
        path, reason = bad[0]
        more = f" ({len(bad) - 1} more bad files)" if len(bad) > 1 else ""
        raise DataError(f"cannot decode image {where}/{path}: {reason}{more}; "
                        "pass --skip-bad to skip unreadable images")
    keep = [(path, label, a) for (path, label), a in zip(members, decoded, strict=True)
            if not isinstance(a, str)]
    labels = np.array([label for _, label, _ in keep], dtype=np.int64)
    missing = [c for k, c in enumerate(class_names) if not np.any(labels == k)]
    if missing:
        raise DataError(f"class '{missing[0]}' in {where} has no readable images "
                        f"({len(bad)} unreadable files skipped)")
    images = stack([a for _, _, a in keep], [path for path, _, _ in keep], where)
    return Dataset(images, labels, tuple(class_names), where,
                   skipped=tuple(path for path, _ in bad))
