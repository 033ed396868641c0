// Package safefile writes the files the estamp command creates. A file is
// written to a temporary file in the target's directory, synced, and only
// then put under its name, so that nobody ever sees half a file under the
// final name, even after a crash. Putting it in place never follows a
// symbolic link at the target (a link planted there must not redirect the
// write to a file elsewhere), and never replaces anything that is already
// there unless the caller asks for it (the CLI's --force).
package safefile

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// ExistsError is a target that is already there (a file, a symbolic link,
// even a dangling one, or anything else) when replacing was not asked for.
type ExistsError struct{ Path string }

func (e *ExistsError) Error() string {
	return fmt.Sprintf("%s đã tồn tại; thêm --force để ghi đè (%s already exists; use --force to replace it)", e.Path, e.Path)
}

// Is makes errors.Is(err, fs.ErrExist) true.
func (e *ExistsError) Is(target error) bool { return target == fs.ErrExist }

// File is a file being written: a temporary file beside the target until
// Commit puts it in place, or Abort removes it.
type File struct {
	path    string
	perm    fs.FileMode
	replace bool
	tmp     *os.File
	done    bool
}

// Create checks that path can be written and creates the temporary file in
// its directory. It fails when the directory is missing or not writable,
// when path is a directory, and, unless replace, when anything is at path.
// Callers that must not start work they cannot save (issuing a batch) call
// it first and fill the file afterwards.
//
// perm is the mode of the finished file: 0644, or 0600 for anything that
// others on the machine must not read.
func Create(path string, perm fs.FileMode, replace bool) (*File, error) {
	// Only a hint, for an early and clear error; Commit decides again,
	// atomically, when the file is put in place.
	if info, err := os.Lstat(path); err == nil {
		if info.IsDir() {
			return nil, isDirError(path)
		}
		if !replace {
			return nil, &ExistsError{Path: path}
		}
	}
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return nil, dirError(dir, err)
	}
	return &File{path: path, perm: perm, replace: replace, tmp: tmp}, nil
}

// Write writes to the temporary file.
func (f *File) Write(p []byte) (int, error) { return f.tmp.Write(p) }

// Name is the final name of the file.
func (f *File) Name() string { return f.path }

// Commit syncs the temporary file and puts it in place: with os.Link
// unless replacing, which fails if anything at all is at the path and
// never follows a symbolic link; with os.Rename when replacing, which
// replaces a symbolic link itself, never the file it points to.
func (f *File) Commit() error {
	if f.done {
		return fmt.Errorf("safefile: %s was already committed or aborted", f.path)
	}
	f.done = true
	tmp := f.tmp.Name()
	err := f.tmp.Sync()
	if cerr := f.tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		// CreateTemp made it 0600; chmod is exact, where a mode given at
		// creation would be cut by the umask.
		err = os.Chmod(tmp, f.perm)
	}
	if err == nil {
		err = f.place(tmp)
	}
	// After a link the temporary is a second name of the file; after a
	// rename it is gone and this does nothing.
	os.Remove(tmp)
	return err
}

func (f *File) place(tmp string) error {
	if f.replace {
		if info, err := os.Lstat(f.path); err == nil && info.IsDir() {
			return isDirError(f.path)
		}
		if err := os.Rename(tmp, f.path); err != nil {
			return fmt.Errorf("không đặt được %s vào chỗ: %w", f.path, err)
		}
		return nil
	}
	err := link(tmp, f.path)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, fs.ErrExist):
		return &ExistsError{Path: f.path}
	case errors.Is(err, fs.ErrPermission), errors.Is(err, errors.ErrUnsupported):
		// Some file systems have no hard links (FAT on a USB stick for
		// the print shop: EPERM).
		return copyExclusive(tmp, f.path, f.perm)
	}
	return fmt.Errorf("không đặt được %s vào chỗ: %w", f.path, err)
}

// link is os.Link; tests replace it to act as a file system without hard
// links.
var link = os.Link

// copyExclusive copies the finished temporary file to a new file at path.
// O_EXCL makes the creation fail if anything is at path, a symbolic link
// included, so this keeps the rules of the link, though not its atomicity:
// a crash may leave part of the file. On a failure the partial copy, which
// this call created, is removed.
func copyExclusive(tmp, path string, perm fs.FileMode) (err error) {
	src, err := os.Open(tmp)
	if err != nil {
		return err
	}
	defer src.Close()
	dst, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if errors.Is(err, fs.ErrExist) {
		return &ExistsError{Path: path}
	}
	if err != nil {
		return fmt.Errorf("không tạo được %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			os.Remove(path)
		}
	}()
	_, err = io.Copy(dst, src)
	if err == nil {
		// The mode given to OpenFile was cut by the umask.
		err = dst.Chmod(perm)
	}
	if err == nil {
		err = dst.Sync()
	}
	if cerr := dst.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("không ghi được %s: %w", path, err)
	}
	return nil
}

// Abort removes the temporary file; after Commit it does nothing, so it
// can be deferred.
func (f *File) Abort() {
	if f.done {
		return
	}
	f.done = true
	f.tmp.Close()
	os.Remove(f.tmp.Name())
}

// Write writes a whole file through Create, fill and Commit; on any error
// nothing is left behind.
func Write(path string, perm fs.FileMode, replace bool, fill func(io.Writer) error) error {
	f, err := Create(path, perm, replace)
	if err != nil {
		return err
	}
	defer f.Abort()
	if err := fill(f); err != nil {
		return err
	}
	return f.Commit()
}

func isDirError(path string) error {
	return fmt.Errorf("%s là một thư mục; hãy cho tên tệp (%s is a directory; give a file name)", path, path)
}

// dirError explains why no file could be created in dir.
func dirError(dir string, err error) error {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("thư mục %s không tồn tại; hãy tạo nó trước (directory %s does not exist; create it first)", dir, dir)
	case errors.Is(err, fs.ErrPermission):
		return fmt.Errorf("không có quyền ghi vào thư mục %s; hãy chọn thư mục khác (no permission to write in %s)", dir, dir)
	}
	return fmt.Errorf("không tạo được tệp trong thư mục %s: %w", dir, err)
}
