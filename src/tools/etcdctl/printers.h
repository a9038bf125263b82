// The concrete printers behind NewPrinter (printer.h); one file each.
#pragma once

#include <memory>
#include <ostream>

#include "tools/etcdctl/printer.h"

namespace etcd::etcdctl {

std::unique_ptr<Printer> NewSimplePrinter(bool hex, std::ostream& out, std::ostream& err);
std::unique_ptr<Printer> NewFieldsPrinter(std::ostream& out, std::ostream& err);
std::unique_ptr<Printer> NewJsonPrinter(std::ostream& out, std::ostream& err);
std::unique_ptr<Printer> NewProtobufPrinter(std::ostream& out, std::ostream& err);
std::unique_ptr<Printer> NewTablePrinter(std::ostream& out, std::ostream& err);

}  // namespace etcd::etcdctl
