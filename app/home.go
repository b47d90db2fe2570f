package app

import (
	"os"
	"path/filepath"
)

func clientHome(dir string) (string, error) {
	home, err := os.UserHomeDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(home, dir), nil
}
