// ferry-consumer --config FILE
#include "common/app/daemon_main.h"
#include "consumer/consumer_app.h"

int main(int argc, char** argv) {
  return ferry::app::daemon_main<ferry::consumer::ConsumerApp>(
      "ferry-consumer", argc, argv, ferry::consumer::read_consumer_config);
}
