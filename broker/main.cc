// ferry-broker --config FILE
#include "broker/broker_app.h"
#include "common/app/daemon_main.h"

int main(int argc, char** argv) {
  return ferry::app::daemon_main<ferry::broker::BrokerApp>("ferry-broker", argc, argv,
                                                           ferry::broker::read_broker_config);
}
