#!/usr/bin/env bash
# Start Solr with the `ckan` core from the ckan/ckan-solr:2.11-solr9 image, its
# stock CKAN 2.11 schema extended with ckanext-spatial's bbox fields
# (deploy/solr/spatial-fields.xml). Mounted read-only into the `solr` service
# and run as its command (see deploy/compose.yaml and deploy/solr/README.md).
#
# The image's configset is owned by root and Solr runs as `solr`, so the
# configset is copied to a writable place and patched there; a core that
# already exists on the data volume (created before this patch) is patched in
# place. Idempotent: a schema that already has the fields is left alone.
set -euo pipefail

FIELDS=${AMP_SPATIAL_FIELDS:-/opt/amp/solr/spatial-fields.xml}
SOURCE=${AMP_SOLR_CONFIGSET:-${SOLR_CONFIG_DIR:-/opt/solr/server/solr/configsets}/ckan}
WORK=${AMP_SOLR_WORK_CONFIGSET:-/tmp/amp-ckan-configset}
CORE_CONF=${AMP_SOLR_CORE_CONF:-/var/solr/data/ckan/conf}

log() { echo "start-solr: $*" >&2; }

patch_schema() {
    local schema=$1
    # Only CKAN's schema (its unique key is index_id); the image also carries
    # Solr's _default managed-schema.xml, which is not used.
    grep -q 'name="index_id"' "$schema" || return 0
    if grep -q '<field name="minx"' "$schema"; then
        log "$schema already has the spatial fields"
        return 0
    fi
    grep -q '<fields>' "$schema" || { log "no <fields> element in $schema"; exit 1; }
    sed -i "/<fields>/r $FIELDS" "$schema"
    grep -q '<field name="minx"' "$schema" || { log "patching $schema failed"; exit 1; }
    log "added the spatial fields to $schema"
}

[[ -r $FIELDS ]] || { log "$FIELDS not found"; exit 1; }
[[ -d $SOURCE/conf ]] || { log "configset $SOURCE not found"; exit 1; }

rm -rf "$WORK"
cp -R "$SOURCE" "$WORK"
for schema in "$WORK"/conf/managed-schema "$WORK"/conf/managed-schema.xml "$WORK"/conf/schema.xml \
              "$CORE_CONF"/managed-schema "$CORE_CONF"/managed-schema.xml "$CORE_CONF"/schema.xml; do
    [[ -f $schema ]] && patch_schema "$schema"
done

if [[ ${AMP_SOLR_PATCH_ONLY:-0} == 1 ]]; then
    exit 0
fi
# solr-precreate (from the Solr image) creates the core from $WORK only when
# it does not exist yet on the volume, then runs Solr in the foreground.
exec solr-precreate ckan "$WORK"
