// File system workout inside the directory given as argv[1] (which the harness creates empty
// except for input.txt, and grants): writes, reads, appends, seeks, directory listings,
// renames, removals, Stat fields, Chdir with relative paths, and the error texts of common
// failures. Prints only what is the same under every host: no inodes, owners or times.
package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// unexpected counts failures of steps that should work; the program goes on after one (so a
// comparison shows every difference at once) and exits 1 at the end.
var unexpected int

func check(what string, err error) {
	if err != nil {
		fmt.Printf("%s: unexpected error: %v\n", what, err)
		unexpected++
	}
}

// show prints an error the way the tests compare it: the text and the errors.Is facts.
func show(what string, err error) {
	if err == nil {
		fmt.Printf("%s: no error\n", what)
		return
	}
	fmt.Printf("%s: %v [notexist=%v exist=%v permission=%v]\n", what, err,
		errors.Is(err, fs.ErrNotExist), errors.Is(err, fs.ErrExist), errors.Is(err, fs.ErrPermission))
}

func stat(name string) {
	fi, err := os.Stat(name)
	if err != nil {
		show("stat "+name, err)
		return
	}
	size := fi.Size()
	if fi.IsDir() {
		size = -1 // a directory's size differs between file systems
	}
	fmt.Printf("stat %s: name=%s size=%d dir=%v regular=%v perm=%v type=%v\n", name, fi.Name(), size,
		fi.IsDir(), fi.Mode().IsRegular(), fi.Mode().Perm(), fi.Mode().Type())
}

func list(dir string) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		show("readdir "+dir, err)
		return
	}
	fmt.Printf("readdir %s: %d entries\n", dir, len(entries))
	for _, e := range entries {
		info, err := e.Info()
		if err != nil {
			check("info "+e.Name(), err)
			continue
		}
		size := info.Size()
		if e.IsDir() {
			size = -1
		}
		fmt.Printf("  %s dir=%v type=%v size=%d\n", e.Name(), e.IsDir(), e.Type(), size)
	}
}

func main() {
	if len(os.Args) < 2 {
		fmt.Println("usage: fsops DIR")
		os.Exit(2)
	}
	root := os.Args[1]
	rel := func(p string) string { return strings.TrimPrefix(strings.TrimPrefix(p, root), "/") }

	// Reading a file the harness put there.
	in, err := os.ReadFile(filepath.Join(root, "input.txt"))
	check("read input", err)
	fmt.Printf("input.txt: %d bytes %q\n", len(in), in)

	// Write, read back, append, overwrite.
	a := filepath.Join(root, "a.txt")
	check("write a", os.WriteFile(a, []byte("alpha\n"), 0o644))
	f, err := os.OpenFile(a, os.O_APPEND|os.O_WRONLY, 0)
	check("open append", err)
	if err != nil {
		os.Exit(1)
	}
	n, err := f.WriteString("beta\n")
	check("append", err)
	check("close", f.Close())
	fmt.Printf("appended %d bytes\n", n)
	b, err := os.ReadFile(a)
	check("read a", err)
	fmt.Printf("a.txt: %q\n", b)

	// Seek, ReadAt, Truncate, Sync on an open file.
	f, err = os.OpenFile(a, os.O_RDWR, 0)
	check("open rdwr", err)
	if err != nil {
		os.Exit(1)
	}
	off, err := f.Seek(2, io.SeekStart)
	check("seek", err)
	buf := make([]byte, 4)
	n, err = f.Read(buf)
	check("read", err)
	fmt.Printf("seek %d read %d %q\n", off, n, buf[:n])
	n, err = f.ReadAt(buf, 6)
	check("readat", err)
	fmt.Printf("readat 6: %d %q\n", n, buf[:n])
	end, err := f.Seek(0, io.SeekEnd)
	check("seek end", err)
	fmt.Printf("end at %d\n", end)
	n, err = f.ReadAt(buf, 100)
	fmt.Printf("readat past end: %d %v\n", n, err)
	check("truncate", f.Truncate(3))
	check("sync", f.Sync())
	if fi, err := f.Stat(); err != nil {
		check("fstat", err)
	} else {
		fmt.Printf("after truncate: size=%d\n", fi.Size())
	}
	check("close", f.Close())

	// Exclusive create of an existing file; create with 0600 and chmod.
	_, err = os.OpenFile(a, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
	show("create excl existing", err)
	p := filepath.Join(root, "private.txt")
	check("write private", os.WriteFile(p, []byte("x"), 0o600))
	stat(p)
	check("chmod", os.Chmod(p, 0o640))
	stat(p)

	// Directories.
	check("mkdir", os.Mkdir(filepath.Join(root, "sub"), 0o755))
	show("mkdir again", os.Mkdir(filepath.Join(root, "sub"), 0o755))
	check("mkdirall", os.MkdirAll(filepath.Join(root, "sub", "x", "y"), 0o755))
	check("write deep", os.WriteFile(filepath.Join(root, "sub", "x", "y", "deep.txt"), []byte("deep"), 0o644))
	for i := 0; i < 3; i++ {
		check("write n", os.WriteFile(filepath.Join(root, "sub", fmt.Sprintf("f%d.txt", i)), []byte(strings.Repeat("z", i*10)), 0o644))
	}
	stat(filepath.Join(root, "sub"))
	stat(a)
	list(root)
	list(filepath.Join(root, "sub"))

	// Walk the tree (sorted by WalkDir itself).
	var walked []string
	check("walk", filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		walked = append(walked, fmt.Sprintf("%s(%v)", rel(path), d.IsDir()))
		return nil
	}))
	fmt.Printf("walk: %s\n", strings.Join(walked, " "))

	// Renames: a file, a directory, and onto an existing file.
	check("rename file", os.Rename(a, filepath.Join(root, "renamed.txt")))
	stat(a)
	stat(filepath.Join(root, "renamed.txt"))
	check("rename dir", os.Rename(filepath.Join(root, "sub", "x"), filepath.Join(root, "moved")))
	check("write c", os.WriteFile(filepath.Join(root, "c.txt"), []byte("ccc"), 0o644))
	check("rename over", os.Rename(filepath.Join(root, "c.txt"), filepath.Join(root, "renamed.txt")))
	b, err = os.ReadFile(filepath.Join(root, "renamed.txt"))
	check("read renamed", err)
	fmt.Printf("renamed.txt now: %q\n", b)
	show("rename missing", os.Rename(filepath.Join(root, "nope"), filepath.Join(root, "nope2")))

	// Chdir and relative paths.
	check("chdir", os.Chdir(root))
	wd, err := os.Getwd()
	check("getwd", err)
	fmt.Printf("getwd == root: %v\n", wd == root)
	check("chdir moved", os.Chdir("moved"))
	b, err = os.ReadFile("y/deep.txt")
	check("read relative", err)
	fmt.Printf("relative y/deep.txt: %q\n", b)
	check("write relative", os.WriteFile("../rel.txt", []byte("relative write"), 0o644))
	check("chdir up", os.Chdir(".."))
	b, err = os.ReadFile("rel.txt")
	check("read rel", err)
	fmt.Printf("rel.txt: %q\n", b)
	wd, err = os.Getwd()
	check("getwd", err)
	fmt.Printf("getwd after ..: %v\n", wd == root)
	show("chdir missing", os.Chdir("no-such-dir"))
	show("chdir to file", os.Chdir("rel.txt"))

	// Removals.
	show("remove non-empty dir", os.Remove("moved"))
	check("removeall", os.RemoveAll("moved"))
	stat("moved")
	check("remove file", os.Remove("rel.txt"))
	show("remove again", os.Remove("rel.txt"))
	check("removeall missing", os.RemoveAll("never-existed"))
	check("remove empty dir", os.RemoveAll("sub"))
	list(".")

	// Error texts.
	_, err = os.ReadFile(filepath.Join(root, "missing.txt"))
	show("readfile missing", err)
	_, err = os.ReadFile("missing-relative.txt")
	show("readfile missing relative", err)
	_, err = os.ReadFile(root)
	show("readfile a directory", err)
	_, err = os.ReadDir(filepath.Join(root, "renamed.txt"))
	show("readdir a file", err)
	show("mkdir under a file", os.Mkdir(filepath.Join(root, "renamed.txt", "d"), 0o755))
	_, err = os.Open(filepath.Join(root, "missing-dir", "x"))
	show("open in missing dir", err)

	// What is left, sorted, with contents.
	entries, err := os.ReadDir(root)
	check("final readdir", err)
	if err != nil {
		os.Exit(1)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	fmt.Printf("final: %s\n", strings.Join(names, " "))
	if unexpected > 0 {
		os.Exit(1)
	}
}
