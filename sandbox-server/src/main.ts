// The whole server, wired: configuration, store, runtime, lab services, features, HTTP. Each
// feature lives in its own folder; this file only connects them.
import type { IncomingMessage } from 'node:http';
import path from 'node:path';
import Docker from 'dockerode';
import type { PlaceholderValues } from '../../engine/src/contract.ts';
import { loadCourse } from '../../engine/src/index.ts';
import { AuthoringWorkers } from './authoring/authoring-workers.ts';
import { classLessonRoutes } from './authoring/class-lesson-routes.ts';
import { ClassLessonProofs } from './authoring/class-lesson-proofs.ts';
import { ClassLessons } from './authoring/class-lessons.ts';
import { LearnerClassLessons } from './authoring/learner-class-lessons.ts';
import { instructorToken } from './classroom/admin-token.ts';
import { CheckHistory } from './classroom/check-history.ts';
import { classCapacity } from './classroom/class-capacity.ts';
import { ClassClosing } from './classroom/class-closing.ts';
import { classLiveFeature } from './classroom/class-live-routes.ts';
import { classRoutes } from './classroom/class-routes.ts';
import { Classes } from './classroom/classes.ts';
import { classroomRoutes, LearnerNames } from './classroom/classroom.ts';
import { InstructorAccounts } from './classroom/instructor-accounts.ts';
import { instructorRoutes } from './classroom/instructor-routes.ts';
import { InstructorSessions } from './classroom/instructor-sessions.ts';
import { learnerHelpFeature } from './classroom/learner-help.ts';
import { LoginThrottle } from './classroom/login-throttle.ts';
import { loadConfig } from './config.ts';
import { courseFeature } from './course/course-routes.ts';
import { ProgressStore } from './course/progress-store.ts';
import { openDatabase } from './database.ts';
import { notFound } from './http/api-error.ts';
import { createServer } from './http/server.ts';
import { accountOwner, HubAccounts } from './hub/hub-accounts.ts';
import { hubRoutes } from './hub/hub-routes.ts';
import { ensureLabPki } from './hub/lab-pki.ts';
import { startHub } from './hub/start-hub.ts';
import { startLab } from './lab/start-lab.ts';
import { logger } from './logger.ts';
import { previewFeature } from './preview/preview-feature.ts';
import { reportFeature } from './reports/report-routes.ts';
import { Reports } from './reports/reports.ts';
import { currentImageManifest } from './runtime/image-manifest.ts';
import { DOCKER_RUNTIME_WARNING, openRuntime } from './runtime/open-runtime.ts';
import { watchMembers } from './sessions/member-watch.ts';
import { SessionManager } from './sessions/session-manager.ts';
import { Admission } from './capacity/admission.ts';
import { clientAddress, trustedProxies } from './capacity/client-address.ts';
import { RateLimiter } from './capacity/rate-limiter.ts';
import { WaitingLine } from './capacity/waiting-line.ts';
import { SessionStore } from './sessions/session-store.ts';
import { HelperPresence } from './terminal/helper-presence.ts';
import { fileRoutes } from './files/file-routes.ts';

/** Starts the whole platform in this process; resolves with a stop function once it listens. */
export async function startDockyard(env: NodeJS.ProcessEnv = process.env): Promise<{
  url: string;
  runtime: 'incus' | 'docker';
  /** Where the instructor finds their token. */
  instructorTokenSource: string;
  stop: () => Promise<void>;
}> {
  const config = loadConfig(env);
  const docker = new Docker();
  const engineVersion = await docker.version().then(
    (v) => v.Version,
    (err: Error) => {
      throw new Error(
        `The Docker engine does not answer (${err.message}). Run "npm start" to install or start it.`,
      );
    },
  );
  const course = await loadCourse(config.lessonsDir);
  const pki = ensureLabPki(config.dataDir);
  const { runtime, sandboxImage } = await openRuntime(config, docker, pki);
  // One cache for the server's life: the hub asks for the library on every request.
  const imageManifest = currentImageManifest(config.dataDir);
  const library = () => imageManifest().library;

  const db = openDatabase(config.dbFile);
  const store = new SessionStore(db);
  const accounts = new HubAccounts(db, pki.hubSecret);
  const progress = new ProgressStore(db);
  const accountOf = (sessionId: string) => {
    const session = store.get(sessionId);
    if (!session) throw notFound(`There is no session "${sessionId}".`);
    return accounts.forOwner(accountOwner(session));
  };
  const varsFor = (sessionId: string): PlaceholderValues => ({
    'hub.username': accountOf(sessionId).username,
  });
  const sessions = new SessionManager(store, runtime, {
    ttlMs: config.sessionTtlMs,
    idleMs: config.sessionIdleMs,
    idleBusyMs: config.sessionIdleBusyMs,
    maxSessions: config.maxSessions,
    limits: config.sandbox,
    readyTimeoutMs: 90_000,
    poolSize: config.poolSize,
  });
  // A course lesson may ask for several machines (its frontmatter's `machines`); class lessons have one.
  const machinesOf = new Map(course.lessons.map((lesson) => [lesson.slug, lesson.machines]));
  sessions.setMachinesFor((lesson) => (lesson === null ? 1 : (machinesOf.get(lesson) ?? 1)));

  const classes = new Classes(db);
  const instructorSessions = new InstructorSessions(db);
  // Class lessons instructors write, prove in machines of no session's, and publish to their class.
  const classLessons = new ClassLessons(db);
  // Pages are rendered (and scenarios imported) on worker threads: one is started now, so the first
  // save does not wait for it to load.
  const authoringWorkers = new AuthoringWorkers();
  authoringWorkers.warm();
  const learnerLessons = new LearnerClassLessons(classes, classLessons);
  // Proofs a previous run left running are marked failed here.
  const proofs = new ClassLessonProofs(db, {
    machine: () => sessions.proofMachine(),
    // Each class's proofs use a hub account of their own.
    varsFor: (classId) => ({ 'hub.username': accounts.forOwner(`proof:${classId}`).username }),
    limits: { setupTimeoutMs: config.proofScriptMs, solveTimeoutMs: config.proofScriptMs },
  });
  const adminToken = instructorToken(config.dataDir, config.instructorToken);

  // Classes keep slots and go first in the line; the pool boots their pre-warm.
  const forClasses = classCapacity(classes, sessions);
  const line = new WaitingLine({ graceMs: config.capacity.lineGraceMs, maxLength: config.capacity.lineMax });
  const admission = new Admission(
    sessions,
    line,
    {
      create: new RateLimiter({
        burst: config.capacity.createsPerMinute,
        perMinute: config.capacity.createsPerMinute,
      }),
      // A waiting page calls every few seconds; a flood of calls is refused, the place is kept.
      poll: new RateLimiter({ burst: 30, perMinute: 120 }),
    },
    {
      perLearner: config.capacity.perLearner,
      perAddress: config.capacity.perAddress,
      // Until machines have freed up twice: a slot's share of the idle timeout.
      defaultFreeIntervalMs: Math.max(10_000, config.sessionIdleMs / Math.max(1, config.maxSessions)),
      // Running classes keep their capacity free for their learners, and classes about to start
      // their pre-warm.
      reserved: { slots: forClasses.reservedSlots, maxSessions: config.maxSessions },
    },
    // Learners of a running class go ahead of the public in the line.
    forClasses.isClassLearner,
  );
  // While people wait for a machine, idle ones are reaped sooner (DOCKYARD_SESSION_IDLE_MINUTES_BUSY).
  sessions.setPressure(() => line.length > 0);
  const proxies = trustedProxies(config.capacity.trustedProxies);
  const addressOf = (req: IncomingMessage) => clientAddress(req, proxies);

  const hub = await startHub({ config, pki, accounts, library });
  sessions.onEnded((id) => hub.quota.forgetSession(id));
  const lab = await startLab(config, runtime.name);
  await sessions.recover();
  sessions.fillPool();
  // The line drops places whose page went away and hands out machines that freed up.
  const lineKeeper = setInterval(() => {
    admission.serve().catch((err: unknown) => logger.error({ err }, 'serving the line failed'));
  }, 2000);

  const courseApi = courseFeature({
    sessions,
    runtime,
    course,
    progress,
    varsFor,
    classLessonFor: learnerLessons.contentFor,
    classLessonsOf: learnerLessons.contentsFor,
  });
  const history = new CheckHistory(db);
  const learnerNames = new LearnerNames(db);
  const classLive = classLiveFeature({
    classes,
    course,
    progress,
    sessions,
    history,
    instructorSessions,
    allowedOrigins: config.allowedOrigins,
    publishedLessons: learnerLessons.ofClass,
  });
  const preview = previewFeature({
    sessions,
    runtime,
    allowedOrigins: config.allowedOrigins,
    domain: config.previewDomain,
  });
  const helpers = new HelperPresence();
  const learnerHelp = learnerHelpFeature({
    classes,
    instructorSessions,
    course,
    sessions,
    runtime,
    helpers,
    allowedOrigins: config.allowedOrigins,
    varsFor,
    classLessonFor: learnerLessons.contentFor,
    terminalPingMs: config.terminalPingMs,
  });
  // A class that is over (ended, or past its end time) ends its learners' machines once, and closes
  // its roster streams and instructors' terminals.
  const closing = new ClassClosing({
    classes,
    sessions,
    onClosed: (classId) => {
      classLive.feed.endClass(classId);
      learnerHelp.closeClass(classId);
    },
  });
  const reaper = setInterval(() => {
    try {
      closing.close();
    } catch (err) {
      logger.error({ err }, 'closing the classes that are over failed');
    }
    sessions.reap().catch((err: unknown) => logger.error({ err }, 'reaper failed'));
  }, config.reapIntervalMs);
  /** On an Incus cluster, its members (state, machines, free memory); nothing on one host. */
  const clusterHealth = async () => {
    const members = await runtime.members?.().catch((err: Error) => {
      logger.error({ err }, 'the cluster members could not be read');
      return undefined;
    });
    return members?.length ? { members } : {};
  };
  const stopWatchingMembers = watchMembers(runtime, sessions, config.memberWatchMs);
  // "Report a problem" from a lesson's sections; the class's instructor reads them, live.
  const reports = reportFeature({
    reports: new Reports(db),
    classes,
    instructorSessions,
    adminToken,
    course,
    classLessonFor: learnerLessons.lessonFor.bind(learnerLessons),
    nameOf: (learner) => learnerNames.get(learner),
    allowedOrigins: config.allowedOrigins,
    addressOf,
  });
  const server = createServer({
    sessions,
    admission,
    addressOf,
    runtime,
    course,
    siteDir: config.siteDir,
    allowedOrigins: config.allowedOrigins,
    terminalPingMs: config.terminalPingMs,
    terminalTabs: config.terminalTabs,
    extraRoutes: [
      ...fileRoutes(sessions),
      ...hubRoutes({ sessions, accountOf, catalog: hub.catalog, quota: hub.quota, library }),
      ...courseApi.routes,
      ...classroomRoutes({
        db,
        course,
        progress,
        store,
        sessions,
        token: adminToken,
      }),
      ...instructorRoutes({
        accounts: new InstructorAccounts(db),
        sessions: instructorSessions,
        throttle: new LoginThrottle(),
        adminToken,
        allowedOrigins: config.allowedOrigins,
        addressOf,
        // Signing out closes that sign-in's roster and report streams and terminals at once.
        onSignedOut: (signIn) => {
          classLive.feed.signedOut(signIn);
          reports.feed.signedOut(signIn);
          learnerHelp.closeSignIn(signIn);
        },
      }),
      ...classRoutes({
        classes,
        instructorSessions,
        course,
        progress,
        sessions,
        allowedOrigins: config.allowedOrigins,
        history,
        publishedLessons: learnerLessons.ofClass,
        onJoined: (classId) => classLive.feed.changed(classId),
        // A new class may want warm machines now (its pre-warm); the reaper's beat looks again.
        onCreated: () => sessions.fillPool(),
        onEnded: (classId) => {
          closing.close(classId);
          // Its pre-warm is no longer wanted: those warm machines go now.
          sessions.fillPool();
        },
      }),
      ...classLive.routes,
      ...classLessonRoutes({
        classes,
        instructorSessions,
        allowedOrigins: config.allowedOrigins,
        course,
        lessons: classLessons,
        proofs,
        learners: learnerLessons,
        work: authoringWorkers,
        // Its roster gains the published lesson's exercises.
        onPublished: (classId) => classLive.feed.changed(classId),
      }),
      ...learnerHelp.routes,
      ...reports.routes,
      ...preview.routes,
    ],
    hostHandlers: [preview.handleRequest],
    upgradeHandlers: [preview.handleUpgrade, learnerHelp.handleUpgrade],
    helpers,
    onExercisePassed: courseApi.onExercisePassed,
    onExerciseChecked: classLive.onExerciseChecked,
    varsFor,
    classLessonFor: learnerLessons.contentFor,
    health: async () => ({
      ok: await docker.ping().then(
        () => true,
        () => false,
      ),
      runtime: runtime.name,
      ...(runtime.name === 'docker' ? { warning: DOCKER_RUNTIME_WARNING } : {}),
      sandboxDisk: runtime.name === 'incus' ? config.sandbox.diskBytes : 'none',
      engine: engineVersion,
      sandboxImage,
      firewall: lab.firewall,
      hub: hub.port,
      hubUpstream: hub.upstream,
      packageProxy: lab.packageProxy,
      sessions: store.count(),
      line: { waiting: admission.waiting },
      pool: sessions.poolStatus(),
      ...(await clusterHealth()),
    }),
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, resolve);
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  logger.info({ port, sandboxImage, lessons: course.lessons.length }, 'listening');

  return {
    url: `http://localhost:${port}`,
    runtime: runtime.name,
    instructorTokenSource: config.instructorToken
      ? 'DOCKYARD_INSTRUCTOR_TOKEN'
      : path.relative(process.cwd(), path.join(config.dataDir, 'instructor-token')),
    stop: async () => {
      clearInterval(reaper);
      stopWatchingMembers();
      clearInterval(lineKeeper);
      classLive.feed.close();
      reports.feed.close();
      // Proofs cut short read as failed at the next start; their machines go now.
      proofs.stop();
      await sessions.removeProofMachines();
      await sessions.drainPool();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      hub.stop();
      lab.stop();
      db.close();
    },
  };
}

const isEntryPoint = process.argv[1] && path.resolve(process.argv[1]) === path.resolve(import.meta.filename);
if (isEntryPoint) {
  startDockyard().then(
    ({ url, stop, instructorTokenSource, runtime }) => {
      if (runtime === 'docker') console.log(`\n\x1b[33mWarning:\x1b[0m ${DOCKER_RUNTIME_WARNING}`);
      console.log(`\nDockyard is running at ${url}\n`);
      console.log(`Instructors: ${url}/instructor/ (the token is in ${instructorTokenSource})\n`);
      const shutdown = (signal: string) => {
        // Sandboxes stay up: the next start adopts them and learners keep their shells.
        logger.info({ signal }, 'shutting down; sandboxes are kept for the next start');
        stop().finally(() => process.exit(0));
      };
      process.once('SIGINT', () => shutdown('SIGINT'));
      process.once('SIGTERM', () => shutdown('SIGTERM'));
    },
    (err: Error) => {
      console.error(`Dockyard could not start: ${err.message}`);
      process.exit(1);
    },
  );
}
