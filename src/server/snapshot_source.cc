// EtcdServer::OpenSnapshot: Maintenance.Snapshot's source (docs/design/snapshot-file.md).
#include "common/errors.h"
#include "server/etcd_server.h"
#include "snapshot/backend_image.h"

namespace etcd::server {
namespace {

class ImageSnapshotReader final : public SnapshotReader {
 public:
  explicit ImageSnapshotReader(std::unique_ptr<snapshot::BackendImageReader> r)
      : r_(std::move(r)) {}
  uint64_t ImageBytes() const override { return r_->ImageBytes(); }
  absl::StatusOr<std::string> Next(size_t max) override { return r_->Next(max); }

 private:
  std::unique_ptr<snapshot::BackendImageReader> r_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<SnapshotReader>> EtcdServer::OpenSnapshot(
    const RequestContext& ctx) {
  if (stopping_.load()) return errors::Make(errors::Err::kStopped);
  RETURN_IF_ERROR(AuthorizeMaintenance(ctx));  // root only when auth is on (etcd 3.4)
  // The read view sees committed data only, including the consistent index written in
  // the same batch: the image is the state after exactly that entry.
  ASSIGN_OR_RETURN(auto reader, snapshot::BackendImageReader::Open(backend_->NewReadView()));
  return std::unique_ptr<SnapshotReader>(new ImageSnapshotReader(std::move(reader)));
}

}  // namespace etcd::server
