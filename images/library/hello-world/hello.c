/* Dockyard's hello-world: a static program that explains what `docker run hello-world` just did. */
#include <unistd.h>
#include <string.h>

static const char message[] =
    "\n"
    "Hello from Dockyard!\n"
    "If you can read this, your Docker installation works.\n"
    "\n"
    "Here is what just happened, step by step:\n"
    " 1. The docker command (the client) asked the Docker daemon to run \"hello-world\".\n"
    " 2. The daemon did not have that image yet, so it pulled it from the registry\n"
    "    (in this lab, the Dockyard hub stands in for Docker Hub).\n"
    " 3. The daemon created a container from the image: an isolated process with its\n"
    "    own filesystem, network and process table, sharing the machine's kernel.\n"
    " 4. It started this program inside the container and streamed its output back\n"
    "    to the client, which printed it in your terminal.\n"
    " 5. The program finished, so the container stopped. It still exists:\n"
    "    `docker ps -a` lists it.\n"
    "\n"
    "Something bigger to try next:\n"
    "  docker run -it debian bash\n"
    "\n";

int main(void) {
    return write(1, message, sizeof message - 1) == (ssize_t)(sizeof message - 1) ? 0 : 1;
}
