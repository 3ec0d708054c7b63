// ferry-agent --config FILE
#include "agent/agent_app.h"
#include "common/app/daemon_main.h"

int main(int argc, char** argv) {
  return ferry::app::daemon_main<ferry::agent::AgentApp>("ferry-agent", argc, argv,
                                                         ferry::agent::read_agent_config);
}
