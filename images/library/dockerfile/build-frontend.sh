#!/bin/sh
# Builds BuildKit's Dockerfile frontend (frontend/dockerfile/cmd/dockerfile-frontend) from Debian's
# docker.io source package, the way its debian/rules builds dockerd: the package's three components
# (engine, cli, buildkit) with Debian's patches, on top of Debian's Go libraries (GO111MODULE=off).
set -eu
mkdir -p /src && cd /src
# apt checks every file against the signed Sources index. Some mirrors lack the .dsc (apt then
# exits 100 after fetching the tarballs): the tarballs and debian.tar.xz are all this needs.
apt-get source --download-only docker.io || true
version=$(apt-cache showsrc docker.io | sed -n 's/^Version: //p' | sort -V | tail -n 1)
upstream=${version%-*}
tar xJf "docker.io_${upstream}.orig.tar.xz" --strip-components=2
tar xJf "docker.io_${upstream}.orig-cli.tar.xz"
tar xJf "docker.io_${upstream}.orig-buildkit.tar.xz"
tar xJf "docker.io_${version}.debian.tar.xz"
grep -v '^#' debian/patches/series | grep . | while read -r patch; do
  patch -p1 -s --no-backup-if-mismatch < "debian/patches/$patch"
done
export GOPATH=/gopath:/usr/share/gocode GO111MODULE=off GOPROXY=off GOCACHE=/tmp/gocache CGO_ENABLED=0
mkdir -p /gopath/src/github.com/docker /gopath/src/github.com/moby
cp -a cli /gopath/src/github.com/docker/cli
cp -a engine /gopath/src/github.com/docker/docker
cp -a buildkit /gopath/src/github.com/moby/buildkit
cd /gopath/src/github.com/moby/buildkit
pkg=github.com/moby/buildkit/frontend/dockerfile/cmd/dockerfile-frontend
go build -o /out/dockerfile-frontend -tags 'netgo static_build osusergo' \
  -ldflags "-s -w -X main.Package=$pkg -X main.Version=1.7-debian-docker.io-$version" ./frontend/dockerfile/cmd/dockerfile-frontend
/out/dockerfile-frontend -version
