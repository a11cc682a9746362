/// <reference types="astro/client" />

declare namespace App {
  interface Locals {
    /** Set by the lesson page so the MDX author components know which lesson they are in. */
    lesson?: import('./lib/lessons').LessonContext;
  }
}
