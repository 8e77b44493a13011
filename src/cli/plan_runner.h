#pragma once
// The mail plan as `plan` shows it and `renew` carries it out: what the store holds, the
// pre-flight checks (unless --no-checks), and MakePlan over both.

#include <map>
#include <string>
#include <vector>

#include "cli/mail_setup_source.h"
#include "cli/settings.h"
#include "plan/planner.h"
#include "store/store.h"
#include "util/result.h"

namespace mailcert::cli {

struct MailPlan {
  plan::Plan plan;
  std::map<std::string, plan::NameCheck> checks;
};

util::Result<MailPlan> MakeMailPlan(const LoadedSetup& loaded, const Settings& settings,
                                    const Flags& flags, store::Store& store);

// The lineage that holds key type number `index` of a planned certificate: the certificate's own
// name for the first key type, "<name>-<key type>" for the others (a dual RSA + ECDSA pair).
std::string KeyTypeLineage(const plan::PlannedCertificate& certificate, size_t index);

}  // namespace mailcert::cli
