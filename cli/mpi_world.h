// cli/mpi_world.h: lograd under mpirun. A build with LOGRAD_WITH_MPI joins the MPI world when
// mpirun (or another launcher setting OMPI_COMM_WORLD_SIZE, PMI_SIZE or PMIX_RANK) started it;
// otherwise, and in builds without MPI, the world is this one process. Only the CLI speaks
// MPI: the library sees a lograd::Collective.
#pragma once

#include <atomic>
#include <memory>

#include "lograd/collective.h"

namespace lograd::cli {

struct World {
  int rank = 0, size = 1;
  int local_size = 1;  // ranks on this machine (they share its cores)
  // The sums of data-parallel training over MPI (null in one process). Every sum also carries
  // each rank's local stop flag (`local_stop`, set by its signal handler); `stop` becomes true
  // on every rank at the same sum once any rank's flag is set, so all ranks stop at the same
  // safe point.
  std::shared_ptr<Collective> collective;
  std::atomic<bool> stop{false};
  const std::atomic<bool>* local_stop = nullptr;
};

// The world (one process until init_world joins MPI).
World& world();
// Joins MPI when launched by mpirun (LOGRAD_WITH_MPI builds); a no-op otherwise.
void init_world(int* argc, char*** argv);
// Leaves MPI normally (a no-op outside it).
void finalize_world();
// Ends every rank with `status` (MPI_Abort): a rank that failed alone must not leave the others
// waiting in a sum forever. Outside MPI: returns.
void abort_world(int status);
// "lograd was built without MPI" and the like, when the environment says mpirun started this
// process but it cannot join the world; "" otherwise.
const char* world_warning();

}  // namespace lograd::cli
