"""The id ledger: once a post has been published, its feed id never changes.

Feed readers treat a new id as a new post, so a post's first id (its first permalink) is
recorded here, kept with the feeds and committed with them. If the permalink scheme, baseurl or
domain changes later, the old id is reused and readers see no flood of "new" posts. A front
matter ``id`` always wins and needs no entry.

The file is plain text, one ``path<TAB>id`` line per post, sorted by path: new posts (date-named
files) append at the end, so each commit of it is a small diff. Ids under the recorded base URL
are stored without it.
"""

from __future__ import annotations

from pathlib import Path

from .model import Post

LEDGER_NAME = ".feedkit-ids.tsv"
_HEADER = "# feedkit id ledger: the first feed id of every post. Commit it; never edit ids.\n"


class Ledger:
    def __init__(self, base: str, ids: dict[str, str]) -> None:
        self.base = base
        self.ids = ids

    @classmethod
    def read(cls, out_dir: Path, default_base: str) -> Ledger:
        path = out_dir / LEDGER_NAME
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except FileNotFoundError:
            return cls(default_base, {})
        base = default_base
        ids: dict[str, str] = {}
        for line in lines:
            if line.startswith("# base "):
                base = line[len("# base ") :]
            elif line and not line.startswith("#") and "\t" in line:
                key, value = line.split("\t", 1)
                ids[key] = value if "://" in value else base + value
        return cls(base, ids)

    def assign(self, post: Post) -> None:
        """Give `post` its permanent id, recording it if this is its first publication."""
        if post.own_id:
            return
        known = self.ids.get(post.path)
        if known is None:
            self.ids[post.path] = post.id
        else:
            post.id = known

    def render(self) -> bytes:
        lines = [_HEADER, f"# base {self.base}\n"]
        for key in sorted(self.ids):
            value = self.ids[key]
            if value.startswith(self.base + "/"):
                value = value[len(self.base) :]
            lines.append(f"{key}\t{value}\n")
        return "".join(lines).encode("utf-8")
