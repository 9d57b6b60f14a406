"""Python API reference of the `realm` package, from its docstrings.

    python3 docs/api/python_reference.py OUT_DIR [--markdown docs/python.md]

Imports `realm` (whichever one is first on sys.path: scripts/docs puts the
checkout's python/realm there, with the compiled `_realm` of the installed
package) and writes OUT_DIR/index.html: every public name of the package
(`realm.__all__`, plus `realm.errors.__all__`) with its signature and
docstring, and for each class its public methods, properties and fields.

Exit status 1, after writing the page, when a public name has no
documentation:
  - a function or class of `realm.__all__` / `realm.errors.__all__` without
    a docstring of its own;
  - a public method or property of a client, stream or result class (the
    classes of `realm.__all__` that are neither exceptions nor TypedDicts)
    without a docstring (inherited from a realm base class counts);
  - a module-level value (EVENTS, STATUSES, __version__, core_version...)
    without a `#:` comment on the line(s) right above its assignment.
With --markdown FILE, also when FILE (the hand-written guide) does not
mention one of those names in backticks (`name`, `.name` or `name(...)`).
Standard library only.
"""

from __future__ import annotations

import ast
import html
import inspect
import os
import re
import sys
from typing import Any, Dict, List, Optional, Tuple

# Members of the awaitable/iterator protocol that pybind11 classes expose
# under public names; they are not API (documented in docs/python.md under
# Streaming as part of `async for`).
PROTOCOL_METHODS = {"send", "throw"}


def is_typeddict(obj: Any) -> bool:
    return isinstance(obj, type) and issubclass(obj, dict) and hasattr(obj, "__total__")


def own_doc(obj: Any) -> Optional[str]:
    """The object's own docstring (a class's is never inherited here)."""
    doc = obj.__dict__.get("__doc__") if isinstance(obj, type) else getattr(obj, "__doc__", None)
    if not isinstance(doc, str) or not doc.strip():
        return None
    return inspect.cleandoc(doc)


def signature(obj: Any) -> str:
    try:
        return str(inspect.signature(obj))
    except (TypeError, ValueError):
        return "(...)"


def value_comments(package_dir: str) -> Tuple[Dict[str, str], set]:
    """Documentation of module-level assignments of every module: the `#:`
    comment lines right above, or the string literal right after (an
    attribute docstring, as type aliases have). Also returns every name a
    module assigns (as opposed to defining it with class or def)."""
    found: Dict[str, str] = {}
    assigned = set()
    for fn in sorted(os.listdir(package_dir)):
        if not fn.endswith(".py"):
            continue
        src = open(os.path.join(package_dir, fn), encoding="utf-8").read()
        lines = src.splitlines()
        body = ast.parse(src).body
        for k, node in enumerate(body):
            if isinstance(node, ast.Assign):
                targets = [t.id for t in node.targets if isinstance(t, ast.Name)]
            elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
                targets = [node.target.id]
            else:
                continue
            assigned.update(targets)
            comment: List[str] = []
            i = node.lineno - 2
            while i >= 0 and lines[i].lstrip().startswith("#:"):
                comment.insert(0, lines[i].lstrip()[2:].strip())
                i -= 1
            after = body[k + 1] if k + 1 < len(body) else None
            if not comment and isinstance(after, ast.Expr) and isinstance(after.value, ast.Constant) \
                    and isinstance(after.value.value, str):
                comment = [inspect.cleandoc(after.value.value)]
            if comment:
                for t in targets:
                    found.setdefault(t, " ".join(comment))
    return found, assigned


class Member:
    def __init__(self, name: str, kind: str, sig: str, doc: Optional[str]) -> None:
        self.name, self.kind, self.sig, self.doc = name, kind, sig, doc


def class_members(cls: type) -> List[Member]:
    """Public methods, properties and annotated fields defined by realm classes."""
    out: List[Member] = []
    seen = set()
    for klass in cls.__mro__:
        if not (klass.__module__ or "").startswith("realm"):
            continue
        for name, raw in klass.__dict__.items():
            if name.startswith("_") or name in seen:
                continue
            seen.add(name)
            if name in PROTOCOL_METHODS and not own_doc(raw):
                continue
            attr = getattr(cls, name, raw)
            if isinstance(raw, property) or type(raw).__name__ == "getset_descriptor" or (
                    type(raw).__name__ == "property"):
                out.append(Member(name, "property", "", own_doc(raw)))
            elif type(raw).__name__ == "member_descriptor":   # a __slots__ attribute
                out.append(Member(name, "attribute", "", None))
            elif callable(attr):
                kind = "async method" if inspect.iscoroutinefunction(attr) else "method"
                out.append(Member(name, kind, signature(attr), own_doc(attr) or _inherited_doc(cls, name)))
        for name, ann in getattr(klass, "__annotations__", {}).items():
            if name.startswith("_") or name in seen:
                continue
            seen.add(name)
            out.append(Member(name, "field", ": " + (ann if isinstance(ann, str) else inspect.formatannotation(ann)), None))
    return out


def _inherited_doc(cls: type, name: str) -> Optional[str]:
    """Docstring of the same method on a realm base class (an override that
    adds none keeps its base's contract)."""
    for klass in cls.__mro__:
        if not (klass.__module__ or "").startswith("realm"):
            continue
        raw = klass.__dict__.get(name)
        if raw is not None and own_doc(raw):
            return own_doc(raw)
    return None


def main(argv: List[str]) -> int:
    if not argv or argv[0].startswith("-"):
        print(__doc__, file=sys.stderr)
        return 2
    out_dir = argv[0]
    markdown = argv[argv.index("--markdown") + 1] if "--markdown" in argv else None

    import realm
    import realm.errors

    package_dir = os.path.dirname(realm.__file__)
    comments, assigned = value_comments(package_dir)
    names: List[Tuple[str, Any, Any]] = [(n, realm, getattr(realm, n)) for n in realm.__all__]
    names += [(n, realm.errors, getattr(realm.errors, n)) for n in realm.errors.__all__
              if n not in realm.__all__]

    problems: List[str] = []
    mentions: List[str] = []   # names the guide must mention
    sections: List[str] = []
    toc: List[str] = []
    for name, module, obj in names:
        qual = f"{module.__name__}.{name}"
        mentions.append(name)
        realm_class = isinstance(obj, type) and (obj.__module__ or "").startswith("realm")
        if realm_class or (isinstance(obj, type) and name not in assigned):
            kind = ("exception" if issubclass(obj, BaseException)
                    else "TypedDict" if is_typeddict(obj) else "class")
            doc = own_doc(obj)
            if doc is None:
                problems.append(f"{qual} ({kind}) has no docstring")
            sig = "" if kind in ("exception", "TypedDict") else signature(obj)
            bases = ", ".join(b.__name__ for b in obj.__bases__ if b is not object)
            members = class_members(obj)
            if kind == "exception":   # only the attributes it declares (RealmError's)
                own = obj.__dict__.get("__annotations__", {})
                members = [m for m in members if m.kind == "field" and m.name in own]
            rows = []
            for m in members:
                if kind == "class" and m.kind not in ("field", "attribute"):
                    mentions.append(m.name)
                    if m.doc is None:
                        problems.append(f"{qual}.{m.name} ({m.kind}) has no docstring")
                label = f"{m.name}{m.sig}"
                rows.append(f"<dt><code>{html.escape(label)}</code> <small>{m.kind}</small></dt>"
                            f"<dd><pre>{html.escape(m.doc or '')}</pre></dd>")
            head = f"{kind} <code>{html.escape(qual)}{html.escape(sig)}</code>"
            if bases:
                head += f" <small>({html.escape(bases)})</small>"
            body = f"<pre>{html.escape(doc or '')}</pre>"
            if rows:
                body += "<dl>" + "".join(rows) + "</dl>"
        elif callable(obj) and name not in assigned:
            kind = "function"
            doc = own_doc(obj)
            if doc is None:
                problems.append(f"{qual} (function) has no docstring")
            head = f"function <code>{html.escape(qual + signature(obj))}</code>"
            body = f"<pre>{html.escape(doc or '')}</pre>"
        else:
            kind = "value"
            doc = comments.get(name)
            if doc is None:
                problems.append(f"{qual} (value) has no '#:' comment above its assignment "
                                "(or docstring right after it)")
            head = f"value <code>{html.escape(qual)} = {html.escape(repr(obj))}</code>"
            body = f"<pre>{html.escape(doc or '')}</pre>"
        toc.append(f'<li><a href="#{html.escape(qual)}">{html.escape(name)}</a> <small>{kind}</small></li>')
        sections.append(f'<section id="{html.escape(qual)}"><h3>{head}</h3>{body}</section>')

    version = getattr(realm, "__version__", "?")
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>realm {html.escape(version)}: Python API reference</title>
<style>body{{font-family:sans-serif;max-width:60em;margin:auto;padding:1em}}
pre{{white-space:pre-wrap;background:#f6f6f6;padding:.4em}}dd{{margin-left:1.5em}}
section{{border-top:1px solid #ccc}}small{{color:#666}}</style></head><body>
<h1>realm {html.escape(version)}: Python API reference</h1>
<p>Generated from the package's docstrings by docs/api/python_reference.py
(scripts/docs). The guide is docs/python.md.</p>
<pre>{html.escape(own_doc(realm) or '')}</pre>
<h2>Contents</h2><ul>{''.join(toc)}</ul>
<h2>Reference</h2>
{''.join(sections)}
</body></html>
"""
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, "index.html"), "w", encoding="utf-8") as f:
        f.write(page)

    if markdown:
        text = open(markdown, encoding="utf-8").read()
        for name in dict.fromkeys(mentions):
            if not re.search(r"`[^`\n]*\b" + re.escape(name) + r"\b[^`\n]*`", text):
                problems.append(f"{name} is not mentioned in {markdown}")

    for p in problems:
        print(f"python-docs: error: {p}", file=sys.stderr)
    print(f"python-docs: {len(names)} public names -> {os.path.join(out_dir, 'index.html')}"
          + (f"; {len(problems)} undocumented" if problems else ""))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
