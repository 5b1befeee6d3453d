"""Odoo's filestore: one folder per database under ``root``
(``<data_dir>/filestore/<dbname>``).

Odoo's attachments are content-addressed (the file name is the content's
SHA-1) and never modified in place, only added and garbage-collected
(unlinked), so a copy can share the files by hard links: instant and free of
disk space; unlinking a file in one database leaves the other's link intact.
"""
import errno
import logging
import os
import shutil
import uuid

from .errors import AdapterError, InvalidNameError
from .names import check_db_name

_logger = logging.getLogger(__name__)

_TMP_MARK = ".saas-tmp-"
_TRASH_MARK = ".saas-trash-"


def _check_name(name):
    # no separator, no parent reference, not hidden (our temp folders are)
    if not isinstance(name, str) or "/" in name or "\\" in name or ".." in name:
        raise InvalidNameError(f"invalid filestore name: {name!r}")
    return check_db_name(name)


class Filestore:
    """The filestore folders of the databases of one Odoo server."""

    def __init__(self, root):
        if not root:
            raise ValueError("filestore root is required")
        self.root = os.path.abspath(os.fspath(root))

    def path(self, dbname):
        return os.path.join(self.root, _check_name(dbname))

    def exists(self, dbname):
        return os.path.isdir(self.path(dbname))

    def size_bytes(self, dbname):
        """Total size of the files (each database counts its hard-linked
        files in full: that is what its quota is about). 0 when absent."""
        total = 0
        for dirpath, _dirnames, filenames in os.walk(self.path(dbname)):
            for name in filenames:
                try:
                    total += os.lstat(os.path.join(dirpath, name)).st_size
                except FileNotFoundError:  # garbage-collected meanwhile
                    pass
        return total

    def copy(self, src_db, dst_db):
        """Copy the filestore of ``src_db`` to ``dst_db``, replacing what a
        crashed earlier attempt left. The copy is built in a temporary sibling
        folder and renamed into place, so ``dst_db`` is either absent or
        complete. A database without filestore (none of its attachments in
        files yet) gives no folder. Returns the number of files copied."""
        src = self.path(src_db)
        dst = self.path(dst_db)
        if src == dst:
            raise InvalidNameError("source and destination are the same")
        self._clean_leftovers(dst_db)
        if not os.path.isdir(src):
            self.remove(dst_db)
            return 0
        os.makedirs(self.root, exist_ok=True)
        tmp = os.path.join(self.root, f"{_TMP_MARK}{dst_db}-{uuid.uuid4().hex}")
        count = 0
        try:
            count = self._link_tree(src, tmp)
            if os.path.lexists(dst):
                self.remove(dst_db)
            os.rename(tmp, dst)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        return count

    def rename(self, old_db, new_db):
        """Rename a filestore folder (with PgAdmin.rename of its database).
        Raises AdapterError when ``new_db`` already has one."""
        old, new = self.path(old_db), self.path(new_db)
        if os.path.lexists(new):
            raise AdapterError(f"filestore {new_db!r} already exists")
        if os.path.isdir(old):
            os.rename(old, new)

    def remove(self, dbname):
        """Remove the filestore of ``dbname`` if present (idempotent): moved
        aside first (atomic), then deleted. Returns True when removed."""
        path = self.path(dbname)
        if not os.path.lexists(path):
            return False
        trash = os.path.join(self.root, f"{_TRASH_MARK}{dbname}-{uuid.uuid4().hex}")
        os.rename(path, trash)
        shutil.rmtree(trash, ignore_errors=True)
        if os.path.lexists(trash):
            raise AdapterError(f"could not delete {trash}")
        return True

    # -- helpers ------------------------------------------------------------------

    def _clean_leftovers(self, dbname):
        """Delete the temporary folders that a crashed copy/remove of
        ``dbname`` left behind."""
        try:
            entries = os.listdir(self.root)
        except FileNotFoundError:
            return
        for entry in entries:
            for mark in (_TMP_MARK, _TRASH_MARK):
                if entry.startswith(f"{mark}{dbname}-") and len(entry) == len(mark) + len(dbname) + 33:
                    shutil.rmtree(os.path.join(self.root, entry), ignore_errors=True)

    @staticmethod
    def _link_tree(src, dst):
        """Recreate ``src`` under ``dst`` with hard links, copying instead
        when linking is not possible (another filesystem, link limit)."""
        count = 0
        can_link = True
        for dirpath, dirnames, filenames in os.walk(src):
            rel = os.path.relpath(dirpath, src)
            target_dir = os.path.normpath(os.path.join(dst, rel))
            os.makedirs(target_dir, exist_ok=True)
            for name in filenames:
                source = os.path.join(dirpath, name)
                target = os.path.join(target_dir, name)
                if os.path.islink(source):
                    continue  # Odoo writes none; never follow one out of the tree
                if can_link:
                    try:
                        os.link(source, target)
                        count += 1
                        continue
                    except FileNotFoundError:
                        continue  # garbage-collected meanwhile
                    except OSError as exc:
                        if exc.errno not in (errno.EXDEV, errno.EPERM, errno.EMLINK,
                                             errno.ENOTSUP, errno.EACCES):
                            raise
                        _logger.info("hard links unavailable (%s), copying %s", exc, src)
                        can_link = exc.errno == errno.EMLINK  # per-file limit: keep trying
                try:
                    shutil.copy2(source, target)
                    count += 1
                except FileNotFoundError:
                    continue
        return count
