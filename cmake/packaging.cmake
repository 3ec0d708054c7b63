# Installation layout and Debian packages (CPack DEB), one package per program:
#   ferry-agent, ferry-broker, ferry-consumer: /usr/bin/ferry-<role>, its systemd unit in
#     /lib/systemd/system, the sample config as conffile /etc/ferry/<role>.toml, the state
#     directory /var/lib/ferry/<role>, docs; postinst creates the `ferry` system user.
#   ferryctl: /usr/bin/ferryctl.
# Binaries are stripped, their debug symbols go to ferry-<role>-dbgsym .ddeb packages;
# runtime dependencies come from dpkg-shlibdeps. `cmake --install` (with DESTDIR for a
# scratch root) installs the same layout. `cmake --build build --target package` writes
# the packages into build/; tests/deploy/package_test.sh runs cpack on the built binaries.

if(CMAKE_INSTALL_PREFIX_INITIALIZED_TO_DEFAULT)
  set(CMAKE_INSTALL_PREFIX /usr CACHE PATH "Install prefix (the Debian layout)" FORCE)
endif()

set(FERRY_DEB_WORK ${PROJECT_BINARY_DIR}/deb)
file(MAKE_DIRECTORY ${FERRY_DEB_WORK})
configure_file(${PROJECT_SOURCE_DIR}/deploy/debian/changelog.in ${FERRY_DEB_WORK}/changelog @ONLY)
# Debian wants the changelog compressed at maximum, without a timestamp.
execute_process(COMMAND gzip -9nf ${FERRY_DEB_WORK}/changelog)

set(FERRY_ROLES agent broker consumer)
foreach(role ${FERRY_ROLES} ctl)
  if(role STREQUAL ctl)
    set(pkg ferryctl)
    set(target ferryctl)
  else()
    set(pkg ferry-${role})
    set(target ferry-${role})
  endif()
  install(TARGETS ${target} RUNTIME DESTINATION bin COMPONENT ${role})
  install(FILES ${PROJECT_SOURCE_DIR}/deploy/debian/copyright ${FERRY_DEB_WORK}/changelog.gz
          DESTINATION share/doc/${pkg} COMPONENT ${role})
  string(TOUPPER ${role} ROLE)
  set(CPACK_DEBIAN_${ROLE}_PACKAGE_NAME ${pkg})
  set(CPACK_DEBIAN_${ROLE}_DEBUGINFO_PACKAGE ON)
  set(CPACK_DEBIAN_${ROLE}_PACKAGE_DEPENDS "")
endforeach()

foreach(role ${FERRY_ROLES})
  string(TOUPPER ${role} ROLE)
  install(FILES ${PROJECT_SOURCE_DIR}/deploy/systemd/ferry-${role}.service
          DESTINATION /lib/systemd/system COMPONENT ${role})
  install(FILES ${PROJECT_SOURCE_DIR}/deploy/${role}.toml DESTINATION /etc/ferry COMPONENT ${role})
  install(FILES ${PROJECT_SOURCE_DIR}/docs/configuration.md DESTINATION share/doc/ferry-${role} COMPONENT ${role})
  install(PROGRAMS ${PROJECT_SOURCE_DIR}/deploy/debian/enable-bbr.sh DESTINATION /usr/libexec/ferry-${role}
          RENAME enable-bbr COMPONENT ${role})
  set(state_dirs /var/lib/ferry/${role})
  install(DIRECTORY DESTINATION /var/lib/ferry/${role} COMPONENT ${role})
  if(role STREQUAL consumer)
    install(DIRECTORY DESTINATION /var/lib/ferry/consumer/output COMPONENT ${role})
    list(APPEND state_dirs /var/lib/ferry/consumer/output)
  endif()
  set(ROLE_NAME ${role})
  set(EXTRA_GROUPS "")
  if(role STREQUAL agent)
    set(EXTRA_GROUPS adm)  # reads /var/log
  endif()
  list(JOIN state_dirs " " STATE_DIRS)
  set(scripts "")
  foreach(script postinst prerm postrm)
    file(READ ${PROJECT_SOURCE_DIR}/deploy/debian/${script}.in text)
    string(REPLACE "@ROLE@" ${role} text "${text}")
    string(REPLACE "@EXTRA_GROUPS@" "${EXTRA_GROUPS}" text "${text}")
    string(REPLACE "@STATE_DIRS@" "${STATE_DIRS}" text "${text}")
    file(CONFIGURE OUTPUT ${FERRY_DEB_WORK}/${role}/${script} CONTENT "${text}" @ONLY)
    file(CHMOD ${FERRY_DEB_WORK}/${role}/${script} PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE
         GROUP_READ GROUP_EXECUTE WORLD_READ WORLD_EXECUTE)
    list(APPEND scripts ${FERRY_DEB_WORK}/${role}/${script})
  endforeach()
  file(CONFIGURE OUTPUT ${FERRY_DEB_WORK}/${role}/conffiles CONTENT "/etc/ferry/${role}.toml\n")
  set(CPACK_DEBIAN_${ROLE}_PACKAGE_CONTROL_EXTRA "${scripts};${FERRY_DEB_WORK}/${role}/conffiles")
  set(CPACK_DEBIAN_${ROLE}_PACKAGE_DEPENDS "adduser")
  set(CPACK_DEBIAN_${ROLE}_PACKAGE_SECTION admin)
endforeach()
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS
             ${PROJECT_SOURCE_DIR}/deploy/debian/postinst.in ${PROJECT_SOURCE_DIR}/deploy/debian/prerm.in
             ${PROJECT_SOURCE_DIR}/deploy/debian/postrm.in ${PROJECT_SOURCE_DIR}/deploy/debian/changelog.in
             ${PROJECT_SOURCE_DIR}/deploy/debian/enable-bbr.sh)

set(CPACK_DEBIAN_AGENT_DESCRIPTION "Ferry agent: reliable log shipping from a host
Tails log files (following rotation) and ships every line to the brokers of
its DC over mutual TLS, keeping each batch until the consumers committed it.")
set(CPACK_DEBIAN_BROKER_DESCRIPTION "Ferry broker: per-DC durable log relay
Stores the batches of its DC's agents in RocksDB and forwards them to the
consumers, relaying their commits to the agents. Serves a dashboard and
Prometheus metrics.")
set(CPACK_DEBIAN_CONSUMER_DESCRIPTION "Ferry consumer: writes delivered logs to hourly files
Receives the brokers' batches and writes each exactly once to hourly files,
locally or over WebHDFS, marking completed hours with _SUCCESS.")
set(CPACK_DEBIAN_CTL_DESCRIPTION "Ferry operator tool
ferryctl: certificates, cluster status, delivery verification, quarantine,
and a local test cluster.")
set(CPACK_DEBIAN_CTL_PACKAGE_SECTION admin)

set(CPACK_GENERATOR DEB)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_ALL ${FERRY_ROLES} ctl)
set(CPACK_PACKAGE_NAME ferry)
set(CPACK_PACKAGE_VENDOR "Ferry")
set(CPACK_PACKAGE_CONTACT "Ferry maintainers <maintainers@ferry.invalid>")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SOURCE ferry)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
set(CPACK_DEBIAN_COMPRESSION_TYPE gzip)  # xz takes minutes over the debug symbols; Debian 12 lintian refuses zstd
include(CPack)
