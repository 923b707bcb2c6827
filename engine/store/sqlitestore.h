#pragma once

#include "sqlstore.h"

#include <QLockFile>

namespace llmsched {

// The embedded back end: one SQLite file in WAL mode, one writer thread that
// group-commits (StoreWriter) and a pool of read-only reader connections.
class SqliteStore final : public SqlStore
{
public:
    // See Store::open.
    static Result<std::unique_ptr<SqliteStore>> open(const StoreOptions& options);

    qint64 sizeBytes() const override;

private:
    explicit SqliteStore(const StoreOptions& options);

    std::unique_ptr<QLockFile> m_lock;
};

} // namespace llmsched
