import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inSandbox } from './helpers/sandbox-host.ts';
import { readLibrary } from './helpers/library.ts';
import { Platform } from './helpers/platform.ts';

const PULL = 180_000;

// Every image of the hub library, pulled by its plain name in one learner's sandbox (no internet)
// and used the way a learner would, as docs/images.md describes.
describe('the image library in a sandbox', () => {
  const platform = new Platform();
  const library = readLibrary();
  let session: { id: string; token: string };
  const sh = (script: string) => inSandbox(session.id, script);
  /** Runs a script that must succeed; returns its output. */
  const ok = async (script: string) => {
    const r = await sh(script);
    expect(r.code, `${script}\n${r.stdout}\n${r.stderr}`).toBe(0);
    return r.stdout;
  };
  const timedPull = async (ref: string) => {
    const started = Date.now();
    await ok(`docker pull -q ${ref}`);
    const secs = (Date.now() - started) / 1000;
    console.log(`docker pull ${ref}: ${secs.toFixed(1)}s`);
    return secs;
  };

  beforeAll(async () => {
    await platform.start();
    session = await platform.session();
  });
  afterAll(async () => {
    if (session) await platform.api('DELETE', `/api/sessions/${session.id}`, undefined, session.token);
    await platform.stop();
  });

  it('publishes every image with its version tags', () => {
    for (const name of [
      'debian',
      'python',
      'golang',
      'mariadb',
      'nginx',
      'redis',
      'busybox',
      'hello-world',
    ]) {
      expect(library[name], name).toBeDefined();
      expect(library[name]!.tags).toContain('latest');
      expect(library[name]!.description.length).toBeGreaterThan(10);
    }
    expect(library.python!.tags).toEqual(
      expect.arrayContaining([expect.stringMatching(/^3\.\d+\.\d+$/), '3']),
    );
    expect(library.ubuntu).toBeUndefined();
    expect(library.mysql).toBeUndefined();
  });

  it('debian', { timeout: PULL }, async () => {
    await timedPull('debian');
    expect(await ok('docker run --rm debian cat /etc/os-release')).toMatch(/PRETTY_NAME="Debian GNU\/Linux/);
    expect((await ok('docker run --rm debian:trixie cat /etc/debian_version')).trim()).toBe(
      library.debian!.tags[0],
    );
  });

  it('python, also by its version tag', { timeout: PULL }, async () => {
    await timedPull('python');
    expect((await ok(`docker run --rm python python3 -c 'print(1)'`)).trim()).toBe('1');
    expect(
      await ok(`docker run --rm python sh -c 'python3 -m venv /tmp/v && /tmp/v/bin/pip --version'`),
    ).toMatch(/^pip \d+/);
    expect((await ok(`docker run --rm python python --version`)).trim()).toBe(
      `Python ${library.python!.tags[0]}`,
    );
    const minor = library.python!.tags[1]!; // e.g. 3.13
    await ok(`docker pull -q python:${minor}`);
    expect(await ok(`docker run --rm python:${minor} python3 --version`)).toContain(`Python ${minor}.`);
  });

  it('golang compiles and runs a program', { timeout: PULL }, async () => {
    await timedPull('golang');
    const out = await ok(
      `mkdir -p ~/gohello && cd ~/gohello && ` +
        `printf 'package main\\n\\nimport "fmt"\\n\\nfunc main() { fmt.Println("hello from go") }\\n' > main.go && ` +
        `docker run --rm -v "$PWD:/src" -w /src golang go run main.go`,
    );
    expect(out.trim()).toBe('hello from go');
    expect(await ok('docker run --rm golang go version')).toContain(`go${library.golang!.tags[0]} `);
  });

  // The syllabus's two multi-stage Dockerfiles (docker-basic-and-advance.md), exactly as printed:
  // `# syntax=docker/dockerfile:1` (BuildKit pulls the lab's docker/dockerfile), FROM golang:1.21,
  // a heredoc COPY, then --from=0 and AS build.
  it(
    'golang:1.21 and docker/dockerfile build the syllabus multi-stage Dockerfiles',
    { timeout: PULL },
    async () => {
      const golang121 = library.golang!.tags.find((t) => /^1\.21\.\d+$/.test(t));
      expect(golang121, library.golang!.tags.join(', ')).toBeDefined();
      expect(library['docker/dockerfile']?.tags).toEqual(expect.arrayContaining(['1', 'latest']));
      await timedPull('golang:1.21');
      expect(await ok('docker run --rm golang:1.21 go version')).toContain(`go${golang121} `);
      const dockerfile = (from: string, copyFrom: string) =>
        [
          '# syntax=docker/dockerfile:1',
          `FROM ${from}`,
          'WORKDIR /src',
          'COPY <<EOF ./main.go',
          'package main',
          '',
          'import "fmt"',
          '',
          'func main() {',
          '  fmt.Println("hello, world")',
          '}',
          'EOF',
          'RUN go build -o /bin/hello ./main.go',
          '',
          'FROM scratch',
          `COPY --from=${copyFrom} /bin/hello /bin/hello`,
          'CMD ["/bin/hello"]',
        ].join('\n');
      for (const [dir, from, copyFrom] of [
        ['multi0', 'golang:1.21', '0'],
        ['multibuild', 'golang:1.21 as build', 'build'],
      ] as const) {
        await ok(
          `mkdir -p ~/${dir} && cat > ~/${dir}/Dockerfile <<'DOCKERFILE'\n${dockerfile(from, copyFrom)}\nDOCKERFILE`,
        );
        await ok(`cd ~/${dir} && docker build -t ${dir} .`);
        expect((await ok(`docker run --rm ${dir}`)).trim()).toBe('hello, world');
      }
    },
  );

  it('mariadb initialises a database, a user and init scripts', { timeout: PULL }, async () => {
    await timedPull('mariadb');
    await ok(
      `mkdir -p ~/initdb && printf '%s\\n' ` +
        `"CREATE TABLE pets (name VARCHAR(20));" "INSERT INTO pets VALUES ('rex'), ('tom');" > ~/initdb/01-pets.sql && ` +
        `docker run -d --name db -e MARIADB_ROOT_PASSWORD=rootpw -e MARIADB_DATABASE=shop ` +
        `-e MARIADB_USER=app -e MARIADB_PASSWORD=apppw -v ~/initdb:/docker-entrypoint-initdb.d:ro mariadb`,
    );
    const query = `docker exec db mariadb -uapp -papppw shop -e 'SELECT name FROM pets ORDER BY name'`;
    const answer = await sh(
      // Wait for the real server: during the set-up a temporary one answers on the socket, then stops.
      `for i in $(seq 90); do docker logs db 2>&1 | grep -q 'starting for real' && ${query} 2>/dev/null && exit 0; sleep 1; done; docker logs db; exit 1`,
    );
    expect(answer.code, answer.stdout + answer.stderr).toBe(0);
    expect(answer.stdout).toMatch(/rex\s+tom/);
    expect(await ok(`docker exec db mysql -uapp -papppw -e 'SHOW DATABASES'`)).toContain('shop');
    // Root over the network, from another container (the server listens on 0.0.0.0:3306).
    expect(
      await ok(
        `docker run --rm --link db mariadb mariadb -hdb -uroot -prootpw -e 'SELECT COUNT(*) AS n FROM shop.pets'`,
      ),
    ).toMatch(/n\s+2/);
    await ok('docker rm -f db');
  });

  it('mariadb without a root password option says what to set', { timeout: PULL }, async () => {
    const r = await sh('docker run --rm mariadb');
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/MARIADB_ROOT_PASSWORD/);
    expect(r.stderr).toMatch(/MARIADB_RANDOM_ROOT_PASSWORD|MARIADB_ALLOW_EMPTY_ROOT_PASSWORD/);
  });

  it('nginx serves its welcome page and a bind-mounted folder', { timeout: PULL }, async () => {
    await timedPull('nginx');
    await ok('docker run -d --name web -p 8080:80 nginx');
    const page = await ok(
      `for i in $(seq 30); do curl -fsS localhost:8080 && exit 0; sleep 0.5; done; exit 1`,
    );
    expect(page).toContain('Welcome to nginx in Dockyard');
    await ok(
      `mkdir -p ~/site && echo '<h1>my own page</h1>' > ~/site/index.html && ` +
        `docker run -d --name web2 -p 8081:80 -v ~/site:/usr/share/nginx/html:ro nginx`,
    );
    expect(
      await ok(`for i in $(seq 30); do curl -fsS localhost:8081 && exit 0; sleep 0.5; done; exit 1`),
    ).toContain('my own page');
    expect(await ok('docker logs web 2>&1')).toMatch(/"GET \/ HTTP\/1\.1" 200/);
    await ok('docker rm -f web web2');
  });

  it('redis answers PONG', { timeout: PULL }, async () => {
    await timedPull('redis');
    await ok('docker run -d --name cache redis');
    const r = await ok(
      `for i in $(seq 30); do docker exec cache redis-cli ping 2>/dev/null && exit 0; sleep 0.5; done; exit 1`,
    );
    expect(r.trim()).toBe('PONG');
    await ok('docker rm -f cache');
  });

  it('busybox', { timeout: PULL }, async () => {
    await timedPull('busybox');
    expect((await ok('docker run --rm busybox echo hi')).trim()).toBe('hi');
  });

  it('hello-world', { timeout: PULL }, async () => {
    expect(await ok('docker run hello-world')).toContain('Hello from Dockyard!');
  });

  it('has no ubuntu or mysql: images we cannot build honestly are not faked, and say what to use', async () => {
    const ubuntu = await sh('docker pull ubuntu');
    expect(ubuntu.code).not.toBe(0);
    expect(ubuntu.stderr).toMatch(/ubuntu is not in this lab's image library: .*Use debian instead/);
    const mysql = await sh('docker run -d -e MYSQL_ROOT_PASSWORD=x mysql:8');
    expect(mysql.code).not.toBe(0);
    expect(mysql.stderr).toMatch(/mysql is not in this lab's image library: .*Use mariadb instead/);
    const tag = await sh('docker pull python:2.7');
    expect(tag.stderr).toContain(
      `python has no tag 2.7 in this lab. Its tags: ${library.python!.tags.join(', ')}`,
    );
  });
});
