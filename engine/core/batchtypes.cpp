#include "batchtypes.h"

namespace llmsched {

QJsonObject StoredFile::toJson() const
{
    return { { QStringLiteral("id"), id }, { QStringLiteral("object"), QStringLiteral("file") }, { QStringLiteral("bytes"), bytes },
        { QStringLiteral("created_at"), createdMs / 1000 }, { QStringLiteral("filename"), filename }, { QStringLiteral("purpose"), purpose },
        { QStringLiteral("status"), QStringLiteral("processed") }, { QStringLiteral("status_details"), QJsonValue() },
        { QStringLiteral("expires_at"), expiresMs > 0 ? QJsonValue(expiresMs / 1000) : QJsonValue() } };
}

QJsonObject BatchRecord::toStored() const
{
    QJsonArray errorList;
    for (const BatchLineError& e : errors)
        errorList.append(QJsonObject { { QStringLiteral("line"), e.line }, { QStringLiteral("custom_id"), e.customId },
            { QStringLiteral("code"), e.code }, { QStringLiteral("message"), e.message }, { QStringLiteral("param"), e.param } });
    return {
        { QStringLiteral("id"), id },
        { QStringLiteral("api"), api },
        { QStringLiteral("group"), group },
        { QStringLiteral("endpoint"), endpoint },
        { QStringLiteral("input_file_id"), inputFileId },
        { QStringLiteral("completion_window"), completionWindow },
        { QStringLiteral("status"), status },
        { QStringLiteral("created_ms"), createdMs },
        { QStringLiteral("in_progress_ms"), inProgressMs },
        { QStringLiteral("finalizing_ms"), finalizingMs },
        { QStringLiteral("completed_ms"), completedMs },
        { QStringLiteral("failed_ms"), failedMs },
        { QStringLiteral("expired_ms"), expiredMs },
        { QStringLiteral("cancelling_ms"), cancellingMs },
        { QStringLiteral("cancelled_ms"), cancelledMs },
        { QStringLiteral("expires_ms"), expiresMs },
        { QStringLiteral("output_file_id"), outputFileId },
        { QStringLiteral("error_file_id"), errorFileId },
        { QStringLiteral("errors"), errorList },
        { QStringLiteral("metadata"), metadata },
        { QStringLiteral("priority"), priority },
        { QStringLiteral("total"), total },
        { QStringLiteral("submitted"), submitted },
        { QStringLiteral("succeeded"), succeeded },
        { QStringLiteral("failed"), failed },
        { QStringLiteral("cancelled"), cancelled },
        { QStringLiteral("expired"), expired },
        { QStringLiteral("expiring"), expiring },
    };
}

BatchRecord BatchRecord::fromStored(const QJsonObject& o)
{
    BatchRecord b;
    const auto str = [&o](const char* key) { return o.value(QLatin1String(key)).toString(); };
    const auto num = [&o](const char* key) { return o.value(QLatin1String(key)).toInteger(); };
    b.id = str("id");
    b.api = str("api");
    b.group = str("group");
    b.endpoint = str("endpoint");
    b.inputFileId = str("input_file_id");
    b.completionWindow = str("completion_window");
    b.status = str("status");
    b.createdMs = num("created_ms");
    b.inProgressMs = num("in_progress_ms");
    b.finalizingMs = num("finalizing_ms");
    b.completedMs = num("completed_ms");
    b.failedMs = num("failed_ms");
    b.expiredMs = num("expired_ms");
    b.cancellingMs = num("cancelling_ms");
    b.cancelledMs = num("cancelled_ms");
    b.expiresMs = num("expires_ms");
    b.outputFileId = str("output_file_id");
    b.errorFileId = str("error_file_id");
    for (const QJsonValue& v : o.value(QLatin1String("errors")).toArray()) {
        const QJsonObject e = v.toObject();
        b.errors.append({ e.value(QLatin1String("line")).toInteger(), e.value(QLatin1String("custom_id")).toString(),
            e.value(QLatin1String("code")).toString(), e.value(QLatin1String("message")).toString(), e.value(QLatin1String("param")).toString() });
    }
    b.metadata = o.value(QLatin1String("metadata")).toObject();
    b.priority = static_cast<int>(num("priority"));
    b.total = num("total");
    b.submitted = num("submitted");
    b.succeeded = num("succeeded");
    b.failed = num("failed");
    b.cancelled = num("cancelled");
    b.expired = num("expired");
    b.expiring = o.value(QLatin1String("expiring")).toBool();
    return b;
}

} // namespace llmsched
