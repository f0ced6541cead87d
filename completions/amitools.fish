# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_amitools_global_optspecs
    string join \n r/region= profile= endpoint-url= region-endpoint= o/output= v/verbose q/quiet accounts= role= organization profiles= h/help V/version
end

function __fish_amitools_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_amitools_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_amitools_using_subcommand
    set -l cmd (__fish_amitools_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c amitools -n "__fish_amitools_needs_command" -s r -l region -d 'AWS region to use [default: AWS_REGION, AWS_DEFAULT_REGION, the credential file, the profile]' -r
complete -c amitools -n "__fish_amitools_needs_command" -l profile -d 'Named profile from the AWS config and credentials files' -r
complete -c amitools -n "__fish_amitools_needs_command" -l endpoint-url -d 'Send EC2 requests for every region to this URL instead of AWS: an endpoint that serves all regions, such as a simulator [env: AWS_ENDPOINT_URL_EC2, AWS_ENDPOINT_URL]' -r
complete -c amitools -n "__fish_amitools_needs_command" -l region-endpoint -d 'Send EC2 requests for one region to this URL (a VPC endpoint); repeatable, beats --endpoint-url for that region' -r
complete -c amitools -n "__fish_amitools_needs_command" -s o -l output -d 'Output format' -r -f -a "table\t'Aligned columns for people'
json\t'JSON with stable field names, for scripts'
dot\t'A Graphviz graph of the lineage (ancestors, children, revoke, restore): `| dot -Tsvg > lineage.svg`'
mermaid\t'A Mermaid flowchart of the lineage (ancestors, children, revoke, restore), as GitHub renders it'"
complete -c amitools -n "__fish_amitools_needs_command" -l accounts -d 'Also read these accounts (12-digit ids, comma-separated or repeated), through --role: children and ancestors follow the lineage into them, revoke and restore change their images, prune --include-shared asks them what uses your shared images [your own account is always read]' -r
complete -c amitools -n "__fish_amitools_needs_command" -l role -d 'The role to assume in each of --accounts: arn:PARTITION:iam::ID:role/NAME, from your credentials, session name "amitools"' -r
complete -c amitools -n "__fish_amitools_needs_command" -l profiles -d 'Instead of --accounts and --role: read other accounts through these named profiles (one account each, comma-separated or repeated)' -r
complete -c amitools -n "__fish_amitools_needs_command" -s v -l verbose -d 'More diagnostics on stderr (-v info, -vv debug, -vvv trace; RUST_LOG overrides)'
complete -c amitools -n "__fish_amitools_needs_command" -s q -l quiet -d 'Only errors on stderr: no notes, no progress'
complete -c amitools -n "__fish_amitools_needs_command" -l organization -d 'With --role: every ACTIVE account of your organization (Organizations ListAccounts, from the management account or a delegated administrator) instead of --accounts'
complete -c amitools -n "__fish_amitools_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c amitools -n "__fish_amitools_needs_command" -s V -l version -d 'Print version'
complete -c amitools -n "__fish_amitools_needs_command" -f -a "create" -d 'Create an image from an instance, named and tagged with its lineage'
complete -c amitools -n "__fish_amitools_needs_command" -f -a "tag" -d 'Set the lineage tags on an image made some other way'
complete -c amitools -n "__fish_amitools_needs_command" -f -a "waiton" -d 'Wait for an image to reach a state'
complete -c amitools -n "__fish_amitools_needs_command" -f -a "ancestors" -d 'Show the images an image was made from, back to the root'
complete -c amitools -n "__fish_amitools_needs_command" -f -a "children" -d 'Show the images made from an image, and from those, as a tree'
complete -c amitools -n "__fish_amitools_needs_command" -f -a "copy" -d 'Copy an image to another region (or the same one), keeping its lineage'
complete -c amitools -n "__fish_amitools_needs_command" -f -a "clone" -d 'Make your own copy of an image, in the same region, keeping its lineage'
complete -c amitools -n "__fish_amitools_needs_command" -f -a "prune" -d 'Delete old images and their snapshots, per family, never what is in use'
complete -c amitools -n "__fish_amitools_needs_command" -f -a "share" -d 'Share an image with other accounts so that they can launch and copy it'
complete -c amitools -n "__fish_amitools_needs_command" -f -a "unshare" -d 'Stop sharing an image: the launch permission and the snapshots\' create-volume permission'
complete -c amitools -n "__fish_amitools_needs_command" -f -a "revoke" -d 'Revoke images: stop new launches of an image and of everything made from it'
complete -c amitools -n "__fish_amitools_needs_command" -f -a "restore" -d 'Undo a revoke: exactly what `amitools revoke` did to each image'
complete -c amitools -n "__fish_amitools_needs_command" -f -a "watermark" -d 'Attach an AMI watermark to an image of yours (or remove one)'
complete -c amitools -n "__fish_amitools_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c amitools -n "__fish_amitools_using_subcommand create" -s n -l name -d 'Name for the new image [default: PREFIX-<unix seconds>-<random number>]' -r
complete -c amitools -n "__fish_amitools_using_subcommand create" -s N -l random-name-prefix -d 'Prefix for the generated name' -r
complete -c amitools -n "__fish_amitools_using_subcommand create" -s d -l description -d 'Description for the new image' -r
complete -c amitools -n "__fish_amitools_using_subcommand create" -s t -l tag -d 'Extra tag for the image and its snapshots (repeatable); lineage tags cannot be overridden' -r
complete -c amitools -n "__fish_amitools_using_subcommand create" -l timeout -d 'With --wait: give up waiting after this long (90s, 15m, 1h, 1h30m or seconds); large cross-region copies take hours' -r
complete -c amitools -n "__fish_amitools_using_subcommand create" -l watermark -d 'Attach this AMI watermark to the new image (as `amitools watermark`), so that every image made from it carries it' -r
complete -c amitools -n "__fish_amitools_using_subcommand create" -s r -l region -d 'AWS region to use [default: AWS_REGION, AWS_DEFAULT_REGION, the credential file, the profile]' -r
complete -c amitools -n "__fish_amitools_using_subcommand create" -l profile -d 'Named profile from the AWS config and credentials files' -r
complete -c amitools -n "__fish_amitools_using_subcommand create" -l endpoint-url -d 'Send EC2 requests for every region to this URL instead of AWS: an endpoint that serves all regions, such as a simulator [env: AWS_ENDPOINT_URL_EC2, AWS_ENDPOINT_URL]' -r
complete -c amitools -n "__fish_amitools_using_subcommand create" -l region-endpoint -d 'Send EC2 requests for one region to this URL (a VPC endpoint); repeatable, beats --endpoint-url for that region' -r
complete -c amitools -n "__fish_amitools_using_subcommand create" -s o -l output -d 'Output format' -r -f -a "table\t'Aligned columns for people'
json\t'JSON with stable field names, for scripts'
dot\t'A Graphviz graph of the lineage (ancestors, children, revoke, restore): `| dot -Tsvg > lineage.svg`'
mermaid\t'A Mermaid flowchart of the lineage (ancestors, children, revoke, restore), as GitHub renders it'"
complete -c amitools -n "__fish_amitools_using_subcommand create" -l accounts -d 'Also read these accounts (12-digit ids, comma-separated or repeated), through --role: children and ancestors follow the lineage into them, revoke and restore change their images, prune --include-shared asks them what uses your shared images [your own account is always read]' -r
complete -c amitools -n "__fish_amitools_using_subcommand create" -l role -d 'The role to assume in each of --accounts: arn:PARTITION:iam::ID:role/NAME, from your credentials, session name "amitools"' -r
complete -c amitools -n "__fish_amitools_using_subcommand create" -l profiles -d 'Instead of --accounts and --role: read other accounts through these named profiles (one account each, comma-separated or repeated)' -r
complete -c amitools -n "__fish_amitools_using_subcommand create" -l wait -d 'Wait until the image is available (as `amitools waiton`); the id is printed first'
complete -c amitools -n "__fish_amitools_using_subcommand create" -l dry-run -d 'Ask EC2 whether the request would succeed (permissions, parameters); create nothing'
complete -c amitools -n "__fish_amitools_using_subcommand create" -l no-reboot -d 'Do not shut the instance down first (the file system may be inconsistent)'
complete -c amitools -n "__fish_amitools_using_subcommand create" -s v -l verbose -d 'More diagnostics on stderr (-v info, -vv debug, -vvv trace; RUST_LOG overrides)'
complete -c amitools -n "__fish_amitools_using_subcommand create" -s q -l quiet -d 'Only errors on stderr: no notes, no progress'
complete -c amitools -n "__fish_amitools_using_subcommand create" -l organization -d 'With --role: every ACTIVE account of your organization (Organizations ListAccounts, from the management account or a delegated administrator) instead of --accounts'
complete -c amitools -n "__fish_amitools_using_subcommand create" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c amitools -n "__fish_amitools_using_subcommand tag" -l source-image -d 'The AMI the image was made from' -r
complete -c amitools -n "__fish_amitools_using_subcommand tag" -l source-instance -d 'The instance the image was made from (optional: an image made by CopyImage, RegisterImage or an import has none)' -r
complete -c amitools -n "__fish_amitools_using_subcommand tag" -l source-region -d 'The region of the source AMI' -r
complete -c amitools -n "__fish_amitools_using_subcommand tag" -l create-date -d 'When the image was made, UTC: YYYYMMDDTHHMMSSZ' -r
complete -c amitools -n "__fish_amitools_using_subcommand tag" -l create-timestamp -d 'When the image was made, in seconds since 1970-01-01 UTC' -r
complete -c amitools -n "__fish_amitools_using_subcommand tag" -s r -l region -d 'AWS region to use [default: AWS_REGION, AWS_DEFAULT_REGION, the credential file, the profile]' -r
complete -c amitools -n "__fish_amitools_using_subcommand tag" -l profile -d 'Named profile from the AWS config and credentials files' -r
complete -c amitools -n "__fish_amitools_using_subcommand tag" -l endpoint-url -d 'Send EC2 requests for every region to this URL instead of AWS: an endpoint that serves all regions, such as a simulator [env: AWS_ENDPOINT_URL_EC2, AWS_ENDPOINT_URL]' -r
complete -c amitools -n "__fish_amitools_using_subcommand tag" -l region-endpoint -d 'Send EC2 requests for one region to this URL (a VPC endpoint); repeatable, beats --endpoint-url for that region' -r
complete -c amitools -n "__fish_amitools_using_subcommand tag" -s o -l output -d 'Output format' -r -f -a "table\t'Aligned columns for people'
json\t'JSON with stable field names, for scripts'
dot\t'A Graphviz graph of the lineage (ancestors, children, revoke, restore): `| dot -Tsvg > lineage.svg`'
mermaid\t'A Mermaid flowchart of the lineage (ancestors, children, revoke, restore), as GitHub renders it'"
complete -c amitools -n "__fish_amitools_using_subcommand tag" -l accounts -d 'Also read these accounts (12-digit ids, comma-separated or repeated), through --role: children and ancestors follow the lineage into them, revoke and restore change their images, prune --include-shared asks them what uses your shared images [your own account is always read]' -r
complete -c amitools -n "__fish_amitools_using_subcommand tag" -l role -d 'The role to assume in each of --accounts: arn:PARTITION:iam::ID:role/NAME, from your credentials, session name "amitools"' -r
complete -c amitools -n "__fish_amitools_using_subcommand tag" -l profiles -d 'Instead of --accounts and --role: read other accounts through these named profiles (one account each, comma-separated or repeated)' -r
complete -c amitools -n "__fish_amitools_using_subcommand tag" -l from-api -d 'Fill values not given from what EC2 recorded (SourceImageId, SourceImageRegion, SourceInstanceId, CreationDate)'
complete -c amitools -n "__fish_amitools_using_subcommand tag" -l dry-run -d 'Show what would be set; set nothing'
complete -c amitools -n "__fish_amitools_using_subcommand tag" -s v -l verbose -d 'More diagnostics on stderr (-v info, -vv debug, -vvv trace; RUST_LOG overrides)'
complete -c amitools -n "__fish_amitools_using_subcommand tag" -s q -l quiet -d 'Only errors on stderr: no notes, no progress'
complete -c amitools -n "__fish_amitools_using_subcommand tag" -l organization -d 'With --role: every ACTIVE account of your organization (Organizations ListAccounts, from the management account or a delegated administrator) instead of --accounts'
complete -c amitools -n "__fish_amitools_using_subcommand tag" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c amitools -n "__fish_amitools_using_subcommand waiton" -l timeout -d 'Give up after this long (90s, 15m, 1h, 1h30m or seconds)' -r
complete -c amitools -n "__fish_amitools_using_subcommand waiton" -l interval -d 'Longest pause between two checks (at least 1s)' -r
complete -c amitools -n "__fish_amitools_using_subcommand waiton" -l exist-timeout -d 'How long "not found" means "not visible yet", within --timeout' -r
complete -c amitools -n "__fish_amitools_using_subcommand waiton" -s r -l region -d 'AWS region to use [default: AWS_REGION, AWS_DEFAULT_REGION, the credential file, the profile]' -r
complete -c amitools -n "__fish_amitools_using_subcommand waiton" -l profile -d 'Named profile from the AWS config and credentials files' -r
complete -c amitools -n "__fish_amitools_using_subcommand waiton" -l endpoint-url -d 'Send EC2 requests for every region to this URL instead of AWS: an endpoint that serves all regions, such as a simulator [env: AWS_ENDPOINT_URL_EC2, AWS_ENDPOINT_URL]' -r
complete -c amitools -n "__fish_amitools_using_subcommand waiton" -l region-endpoint -d 'Send EC2 requests for one region to this URL (a VPC endpoint); repeatable, beats --endpoint-url for that region' -r
complete -c amitools -n "__fish_amitools_using_subcommand waiton" -s o -l output -d 'Output format' -r -f -a "table\t'Aligned columns for people'
json\t'JSON with stable field names, for scripts'
dot\t'A Graphviz graph of the lineage (ancestors, children, revoke, restore): `| dot -Tsvg > lineage.svg`'
mermaid\t'A Mermaid flowchart of the lineage (ancestors, children, revoke, restore), as GitHub renders it'"
complete -c amitools -n "__fish_amitools_using_subcommand waiton" -l accounts -d 'Also read these accounts (12-digit ids, comma-separated or repeated), through --role: children and ancestors follow the lineage into them, revoke and restore change their images, prune --include-shared asks them what uses your shared images [your own account is always read]' -r
complete -c amitools -n "__fish_amitools_using_subcommand waiton" -l role -d 'The role to assume in each of --accounts: arn:PARTITION:iam::ID:role/NAME, from your credentials, session name "amitools"' -r
complete -c amitools -n "__fish_amitools_using_subcommand waiton" -l profiles -d 'Instead of --accounts and --role: read other accounts through these named profiles (one account each, comma-separated or repeated)' -r
complete -c amitools -n "__fish_amitools_using_subcommand waiton" -l dumb -d 'Wait strictly for STATE until the timeout, even when it can never be reached'
complete -c amitools -n "__fish_amitools_using_subcommand waiton" -l nowait-exist -d 'An image not visible at the first check is "not found" (exit 5) at once'
complete -c amitools -n "__fish_amitools_using_subcommand waiton" -s v -l verbose -d 'More diagnostics on stderr (-v info, -vv debug, -vvv trace; RUST_LOG overrides)'
complete -c amitools -n "__fish_amitools_using_subcommand waiton" -s q -l quiet -d 'Only errors on stderr: no notes, no progress'
complete -c amitools -n "__fish_amitools_using_subcommand waiton" -l organization -d 'With --role: every ACTIVE account of your organization (Organizations ListAccounts, from the management account or a delegated administrator) instead of --accounts'
complete -c amitools -n "__fish_amitools_using_subcommand waiton" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c amitools -n "__fish_amitools_using_subcommand ancestors" -s C -l columns -d 'Columns to show, in order: image_id, create_date, create_ts, source_instance, source_region, name, state, owner, description, origin, revoked, account, watermarks' -r -f -a "image_id\t''
create_date\t''
create_ts\t''
source_instance\t''
source_region\t''
name\t''
state\t''
owner\t''
description\t''
origin\t'Where the link to the parent came from: tag or ec2'
revoked\t'When and why `amitools revoke` revoked it (its amitools:revoked tag)'
account\t'The account whose credentials read the image (with --accounts)'
watermarks\t'Its AMI watermarks (ACCOUNT:NAME, comma-separated)'"
complete -c amitools -n "__fish_amitools_using_subcommand ancestors" -l max-depth -d 'Stop after this many generations' -r
complete -c amitools -n "__fish_amitools_using_subcommand ancestors" -s r -l region -d 'AWS region to use [default: AWS_REGION, AWS_DEFAULT_REGION, the credential file, the profile]' -r
complete -c amitools -n "__fish_amitools_using_subcommand ancestors" -l profile -d 'Named profile from the AWS config and credentials files' -r
complete -c amitools -n "__fish_amitools_using_subcommand ancestors" -l endpoint-url -d 'Send EC2 requests for every region to this URL instead of AWS: an endpoint that serves all regions, such as a simulator [env: AWS_ENDPOINT_URL_EC2, AWS_ENDPOINT_URL]' -r
complete -c amitools -n "__fish_amitools_using_subcommand ancestors" -l region-endpoint -d 'Send EC2 requests for one region to this URL (a VPC endpoint); repeatable, beats --endpoint-url for that region' -r
complete -c amitools -n "__fish_amitools_using_subcommand ancestors" -s o -l output -d 'Output format' -r -f -a "table\t'Aligned columns for people'
json\t'JSON with stable field names, for scripts'
dot\t'A Graphviz graph of the lineage (ancestors, children, revoke, restore): `| dot -Tsvg > lineage.svg`'
mermaid\t'A Mermaid flowchart of the lineage (ancestors, children, revoke, restore), as GitHub renders it'"
complete -c amitools -n "__fish_amitools_using_subcommand ancestors" -l accounts -d 'Also read these accounts (12-digit ids, comma-separated or repeated), through --role: children and ancestors follow the lineage into them, revoke and restore change their images, prune --include-shared asks them what uses your shared images [your own account is always read]' -r
complete -c amitools -n "__fish_amitools_using_subcommand ancestors" -l role -d 'The role to assume in each of --accounts: arn:PARTITION:iam::ID:role/NAME, from your credentials, session name "amitools"' -r
complete -c amitools -n "__fish_amitools_using_subcommand ancestors" -l profiles -d 'Instead of --accounts and --role: read other accounts through these named profiles (one account each, comma-separated or repeated)' -r
complete -c amitools -n "__fish_amitools_using_subcommand ancestors" -l no-header -d 'Leave out the header line'
complete -c amitools -n "__fish_amitools_using_subcommand ancestors" -l ids -d 'Print only the image ids, one per line'
complete -c amitools -n "__fish_amitools_using_subcommand ancestors" -l tags-only -d 'Follow only lineage tags, not what EC2 recorded (SourceImageId)'
complete -c amitools -n "__fish_amitools_using_subcommand ancestors" -s v -l verbose -d 'More diagnostics on stderr (-v info, -vv debug, -vvv trace; RUST_LOG overrides)'
complete -c amitools -n "__fish_amitools_using_subcommand ancestors" -s q -l quiet -d 'Only errors on stderr: no notes, no progress'
complete -c amitools -n "__fish_amitools_using_subcommand ancestors" -l organization -d 'With --role: every ACTIVE account of your organization (Organizations ListAccounts, from the management account or a delegated administrator) instead of --accounts'
complete -c amitools -n "__fish_amitools_using_subcommand ancestors" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c amitools -n "__fish_amitools_using_subcommand children" -s C -l columns -d 'Columns to show, in order: image_id, create_date, create_ts, source_instance, source_region, name, state, owner, description, origin, revoked, account, watermarks' -r -f -a "image_id\t''
create_date\t''
create_ts\t''
source_instance\t''
source_region\t''
name\t''
state\t''
owner\t''
description\t''
origin\t'Where the link to the parent came from: tag or ec2'
revoked\t'When and why `amitools revoke` revoked it (its amitools:revoked tag)'
account\t'The account whose credentials read the image (with --accounts)'
watermarks\t'Its AMI watermarks (ACCOUNT:NAME, comma-separated)'"
complete -c amitools -n "__fish_amitools_using_subcommand children" -l depth -d 'Show at most this many generations' -r
complete -c amitools -n "__fish_amitools_using_subcommand children" -l regions -d 'Look for children in these regions [default: the current region]' -r
complete -c amitools -n "__fish_amitools_using_subcommand children" -s r -l region -d 'AWS region to use [default: AWS_REGION, AWS_DEFAULT_REGION, the credential file, the profile]' -r
complete -c amitools -n "__fish_amitools_using_subcommand children" -l profile -d 'Named profile from the AWS config and credentials files' -r
complete -c amitools -n "__fish_amitools_using_subcommand children" -l endpoint-url -d 'Send EC2 requests for every region to this URL instead of AWS: an endpoint that serves all regions, such as a simulator [env: AWS_ENDPOINT_URL_EC2, AWS_ENDPOINT_URL]' -r
complete -c amitools -n "__fish_amitools_using_subcommand children" -l region-endpoint -d 'Send EC2 requests for one region to this URL (a VPC endpoint); repeatable, beats --endpoint-url for that region' -r
complete -c amitools -n "__fish_amitools_using_subcommand children" -s o -l output -d 'Output format' -r -f -a "table\t'Aligned columns for people'
json\t'JSON with stable field names, for scripts'
dot\t'A Graphviz graph of the lineage (ancestors, children, revoke, restore): `| dot -Tsvg > lineage.svg`'
mermaid\t'A Mermaid flowchart of the lineage (ancestors, children, revoke, restore), as GitHub renders it'"
complete -c amitools -n "__fish_amitools_using_subcommand children" -l accounts -d 'Also read these accounts (12-digit ids, comma-separated or repeated), through --role: children and ancestors follow the lineage into them, revoke and restore change their images, prune --include-shared asks them what uses your shared images [your own account is always read]' -r
complete -c amitools -n "__fish_amitools_using_subcommand children" -l role -d 'The role to assume in each of --accounts: arn:PARTITION:iam::ID:role/NAME, from your credentials, session name "amitools"' -r
complete -c amitools -n "__fish_amitools_using_subcommand children" -l profiles -d 'Instead of --accounts and --role: read other accounts through these named profiles (one account each, comma-separated or repeated)' -r
complete -c amitools -n "__fish_amitools_using_subcommand children" -l no-header -d 'Leave out the header line'
complete -c amitools -n "__fish_amitools_using_subcommand children" -l ids -d 'Print only the image ids, one per line'
complete -c amitools -n "__fish_amitools_using_subcommand children" -l tags-only -d 'Follow only lineage tags, not what EC2 recorded (SourceImageId)'
complete -c amitools -n "__fish_amitools_using_subcommand children" -l flat -d 'A table with a DEPTH column instead of the tree'
complete -c amitools -n "__fish_amitools_using_subcommand children" -l uses -d 'Count what uses each image in this account: instances, launch templates, launch configurations, SSM parameters, recipes'
complete -c amitools -n "__fish_amitools_using_subcommand children" -l all-regions -d 'Look for children in every region enabled for the account'
complete -c amitools -n "__fish_amitools_using_subcommand children" -s v -l verbose -d 'More diagnostics on stderr (-v info, -vv debug, -vvv trace; RUST_LOG overrides)'
complete -c amitools -n "__fish_amitools_using_subcommand children" -s q -l quiet -d 'Only errors on stderr: no notes, no progress'
complete -c amitools -n "__fish_amitools_using_subcommand children" -l organization -d 'With --role: every ACTIVE account of your organization (Organizations ListAccounts, from the management account or a delegated administrator) instead of --accounts'
complete -c amitools -n "__fish_amitools_using_subcommand children" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c amitools -n "__fish_amitools_using_subcommand copy" -l source-region -d 'The region the source image is in [default: the current region]' -r
complete -c amitools -n "__fish_amitools_using_subcommand copy" -s R -l dest-region -d 'The region(s) to copy to: repeatable or comma-separated, one copy each, made and waited on concurrently [default: the current region]' -r
complete -c amitools -n "__fish_amitools_using_subcommand copy" -s n -l name -d 'Name for the new image [default: PREFIX-<unix seconds>-<random number>]' -r
complete -c amitools -n "__fish_amitools_using_subcommand copy" -s N -l random-name-prefix -d 'Prefix for the generated name' -r
complete -c amitools -n "__fish_amitools_using_subcommand copy" -s d -l description -d 'Description for the new image' -r
complete -c amitools -n "__fish_amitools_using_subcommand copy" -s t -l tag -d 'Extra tag for the image and its snapshots (repeatable); lineage tags cannot be overridden' -r
complete -c amitools -n "__fish_amitools_using_subcommand copy" -l timeout -d 'With --wait: give up waiting after this long (90s, 15m, 1h, 1h30m or seconds); large cross-region copies take hours' -r
complete -c amitools -n "__fish_amitools_using_subcommand copy" -l kms-key-id -d 'KMS key for the encrypted copy: key id, key ARN, alias name or alias ARN' -r
complete -c amitools -n "__fish_amitools_using_subcommand copy" -l share-with -d 'Once available (--wait), share each copy as `share --with` does: an account id, organization ARN or OU ARN (repeatable, or comma-separated)' -r
complete -c amitools -n "__fish_amitools_using_subcommand copy" -s r -l region -d 'AWS region to use [default: AWS_REGION, AWS_DEFAULT_REGION, the credential file, the profile]' -r
complete -c amitools -n "__fish_amitools_using_subcommand copy" -l profile -d 'Named profile from the AWS config and credentials files' -r
complete -c amitools -n "__fish_amitools_using_subcommand copy" -l endpoint-url -d 'Send EC2 requests for every region to this URL instead of AWS: an endpoint that serves all regions, such as a simulator [env: AWS_ENDPOINT_URL_EC2, AWS_ENDPOINT_URL]' -r
complete -c amitools -n "__fish_amitools_using_subcommand copy" -l region-endpoint -d 'Send EC2 requests for one region to this URL (a VPC endpoint); repeatable, beats --endpoint-url for that region' -r
complete -c amitools -n "__fish_amitools_using_subcommand copy" -s o -l output -d 'Output format' -r -f -a "table\t'Aligned columns for people'
json\t'JSON with stable field names, for scripts'
dot\t'A Graphviz graph of the lineage (ancestors, children, revoke, restore): `| dot -Tsvg > lineage.svg`'
mermaid\t'A Mermaid flowchart of the lineage (ancestors, children, revoke, restore), as GitHub renders it'"
complete -c amitools -n "__fish_amitools_using_subcommand copy" -l accounts -d 'Also read these accounts (12-digit ids, comma-separated or repeated), through --role: children and ancestors follow the lineage into them, revoke and restore change their images, prune --include-shared asks them what uses your shared images [your own account is always read]' -r
complete -c amitools -n "__fish_amitools_using_subcommand copy" -l role -d 'The role to assume in each of --accounts: arn:PARTITION:iam::ID:role/NAME, from your credentials, session name "amitools"' -r
complete -c amitools -n "__fish_amitools_using_subcommand copy" -l profiles -d 'Instead of --accounts and --role: read other accounts through these named profiles (one account each, comma-separated or repeated)' -r
complete -c amitools -n "__fish_amitools_using_subcommand copy" -l wait -d 'Wait until the image is available (as `amitools waiton`); the id is printed first'
complete -c amitools -n "__fish_amitools_using_subcommand copy" -l dry-run -d 'Ask EC2 whether the request would succeed (permissions, parameters); create nothing'
complete -c amitools -n "__fish_amitools_using_subcommand copy" -l encrypted -d 'Encrypt the copy\'s snapshots (with the account\'s default EBS key unless --kms-key-id)'
complete -c amitools -n "__fish_amitools_using_subcommand copy" -l no-copy-tags -d 'Do not copy the source\'s own tags (the lineage tags are always set)'
complete -c amitools -n "__fish_amitools_using_subcommand copy" -s v -l verbose -d 'More diagnostics on stderr (-v info, -vv debug, -vvv trace; RUST_LOG overrides)'
complete -c amitools -n "__fish_amitools_using_subcommand copy" -s q -l quiet -d 'Only errors on stderr: no notes, no progress'
complete -c amitools -n "__fish_amitools_using_subcommand copy" -l organization -d 'With --role: every ACTIVE account of your organization (Organizations ListAccounts, from the management account or a delegated administrator) instead of --accounts'
complete -c amitools -n "__fish_amitools_using_subcommand copy" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c amitools -n "__fish_amitools_using_subcommand clone" -s n -l name -d 'Name for the new image [default: PREFIX-<unix seconds>-<random number>]' -r
complete -c amitools -n "__fish_amitools_using_subcommand clone" -s N -l random-name-prefix -d 'Prefix for the generated name' -r
complete -c amitools -n "__fish_amitools_using_subcommand clone" -s d -l description -d 'Description for the new image' -r
complete -c amitools -n "__fish_amitools_using_subcommand clone" -s t -l tag -d 'Extra tag for the image and its snapshots (repeatable); lineage tags cannot be overridden' -r
complete -c amitools -n "__fish_amitools_using_subcommand clone" -l timeout -d 'With --wait: give up waiting after this long (90s, 15m, 1h, 1h30m or seconds); large cross-region copies take hours' -r
complete -c amitools -n "__fish_amitools_using_subcommand clone" -l kms-key-id -d 'KMS key for the encrypted copy: key id, key ARN, alias name or alias ARN' -r
complete -c amitools -n "__fish_amitools_using_subcommand clone" -l share-with -d 'Once available (--wait), share each copy as `share --with` does: an account id, organization ARN or OU ARN (repeatable, or comma-separated)' -r
complete -c amitools -n "__fish_amitools_using_subcommand clone" -s r -l region -d 'AWS region to use [default: AWS_REGION, AWS_DEFAULT_REGION, the credential file, the profile]' -r
complete -c amitools -n "__fish_amitools_using_subcommand clone" -l profile -d 'Named profile from the AWS config and credentials files' -r
complete -c amitools -n "__fish_amitools_using_subcommand clone" -l endpoint-url -d 'Send EC2 requests for every region to this URL instead of AWS: an endpoint that serves all regions, such as a simulator [env: AWS_ENDPOINT_URL_EC2, AWS_ENDPOINT_URL]' -r
complete -c amitools -n "__fish_amitools_using_subcommand clone" -l region-endpoint -d 'Send EC2 requests for one region to this URL (a VPC endpoint); repeatable, beats --endpoint-url for that region' -r
complete -c amitools -n "__fish_amitools_using_subcommand clone" -s o -l output -d 'Output format' -r -f -a "table\t'Aligned columns for people'
json\t'JSON with stable field names, for scripts'
dot\t'A Graphviz graph of the lineage (ancestors, children, revoke, restore): `| dot -Tsvg > lineage.svg`'
mermaid\t'A Mermaid flowchart of the lineage (ancestors, children, revoke, restore), as GitHub renders it'"
complete -c amitools -n "__fish_amitools_using_subcommand clone" -l accounts -d 'Also read these accounts (12-digit ids, comma-separated or repeated), through --role: children and ancestors follow the lineage into them, revoke and restore change their images, prune --include-shared asks them what uses your shared images [your own account is always read]' -r
complete -c amitools -n "__fish_amitools_using_subcommand clone" -l role -d 'The role to assume in each of --accounts: arn:PARTITION:iam::ID:role/NAME, from your credentials, session name "amitools"' -r
complete -c amitools -n "__fish_amitools_using_subcommand clone" -l profiles -d 'Instead of --accounts and --role: read other accounts through these named profiles (one account each, comma-separated or repeated)' -r
complete -c amitools -n "__fish_amitools_using_subcommand clone" -l wait -d 'Wait until the image is available (as `amitools waiton`); the id is printed first'
complete -c amitools -n "__fish_amitools_using_subcommand clone" -l dry-run -d 'Ask EC2 whether the request would succeed (permissions, parameters); create nothing'
complete -c amitools -n "__fish_amitools_using_subcommand clone" -l encrypted -d 'Encrypt the copy\'s snapshots (with the account\'s default EBS key unless --kms-key-id)'
complete -c amitools -n "__fish_amitools_using_subcommand clone" -l no-copy-tags -d 'Do not copy the source\'s own tags (the lineage tags are always set)'
complete -c amitools -n "__fish_amitools_using_subcommand clone" -s v -l verbose -d 'More diagnostics on stderr (-v info, -vv debug, -vvv trace; RUST_LOG overrides)'
complete -c amitools -n "__fish_amitools_using_subcommand clone" -s q -l quiet -d 'Only errors on stderr: no notes, no progress'
complete -c amitools -n "__fish_amitools_using_subcommand clone" -l organization -d 'With --role: every ACTIVE account of your organization (Organizations ListAccounts, from the management account or a delegated administrator) instead of --accounts'
complete -c amitools -n "__fish_amitools_using_subcommand clone" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c amitools -n "__fish_amitools_using_subcommand prune" -l regions -d 'Consider the images in these regions [default: the current region]' -r
complete -c amitools -n "__fish_amitools_using_subcommand prune" -s N -l name-prefix -d 'Only images named PREFIX-… (as `create -N PREFIX` names them)' -r
complete -c amitools -n "__fish_amitools_using_subcommand prune" -l filter -d 'Only images with this tag (repeatable: all must match)' -r
complete -c amitools -n "__fish_amitools_using_subcommand prune" -l descendants-of -d 'Only this image (in the current region) and the images made from it' -r
complete -c amitools -n "__fish_amitools_using_subcommand prune" -l keep -d 'Keep this many newest available images of each family, per region' -r
complete -c amitools -n "__fish_amitools_using_subcommand prune" -l older-than -d 'Keep images younger than this (14d, 36h, 90d); older ones are deleted' -r
complete -c amitools -n "__fish_amitools_using_subcommand prune" -l deprecate-after -d 'Deprecate images this old (launches keep working; uses and sharing do not stop it)' -r
complete -c amitools -n "__fish_amitools_using_subcommand prune" -l disable-after -d 'Disable images this old (nothing can launch them; checked as deletion is)' -r
complete -c amitools -n "__fish_amitools_using_subcommand prune" -l unused-for -d 'Keep images launched from within this (EC2 reports launches up to a day late: a day is added)' -r
complete -c amitools -n "__fish_amitools_using_subcommand prune" -l family -d 'What makes a family: prefix (of generated names), tag:KEY, or source (same source image)' -r
complete -c amitools -n "__fish_amitools_using_subcommand prune" -l usage-report-timeout -d 'With --include-shared (or a plan made with it): how long to wait for the usage reports (90s, 15m, 1h or seconds)' -r
complete -c amitools -n "__fish_amitools_using_subcommand prune" -l plan-out -d 'Also save the plan as JSON to FILE (for --apply-plan)' -r -F
complete -c amitools -n "__fish_amitools_using_subcommand prune" -l apply-plan -d 'Carry out a saved plan\'s deprecations, disables and deletions that its rules still allow, each re-checked just before' -r -F
complete -c amitools -n "__fish_amitools_using_subcommand prune" -l max-plan-age -d 'Refuse a saved plan older than this (--apply-plan)' -r
complete -c amitools -n "__fish_amitools_using_subcommand prune" -s r -l region -d 'AWS region to use [default: AWS_REGION, AWS_DEFAULT_REGION, the credential file, the profile]' -r
complete -c amitools -n "__fish_amitools_using_subcommand prune" -l profile -d 'Named profile from the AWS config and credentials files' -r
complete -c amitools -n "__fish_amitools_using_subcommand prune" -l endpoint-url -d 'Send EC2 requests for every region to this URL instead of AWS: an endpoint that serves all regions, such as a simulator [env: AWS_ENDPOINT_URL_EC2, AWS_ENDPOINT_URL]' -r
complete -c amitools -n "__fish_amitools_using_subcommand prune" -l region-endpoint -d 'Send EC2 requests for one region to this URL (a VPC endpoint); repeatable, beats --endpoint-url for that region' -r
complete -c amitools -n "__fish_amitools_using_subcommand prune" -s o -l output -d 'Output format' -r -f -a "table\t'Aligned columns for people'
json\t'JSON with stable field names, for scripts'
dot\t'A Graphviz graph of the lineage (ancestors, children, revoke, restore): `| dot -Tsvg > lineage.svg`'
mermaid\t'A Mermaid flowchart of the lineage (ancestors, children, revoke, restore), as GitHub renders it'"
complete -c amitools -n "__fish_amitools_using_subcommand prune" -l accounts -d 'Also read these accounts (12-digit ids, comma-separated or repeated), through --role: children and ancestors follow the lineage into them, revoke and restore change their images, prune --include-shared asks them what uses your shared images [your own account is always read]' -r
complete -c amitools -n "__fish_amitools_using_subcommand prune" -l role -d 'The role to assume in each of --accounts: arn:PARTITION:iam::ID:role/NAME, from your credentials, session name "amitools"' -r
complete -c amitools -n "__fish_amitools_using_subcommand prune" -l profiles -d 'Instead of --accounts and --role: read other accounts through these named profiles (one account each, comma-separated or repeated)' -r
complete -c amitools -n "__fish_amitools_using_subcommand prune" -l all-regions -d 'Consider every region enabled for the account'
complete -c amitools -n "__fish_amitools_using_subcommand prune" -l keep-ancestors -d 'Also keep every ancestor of every kept image'
complete -c amitools -n "__fish_amitools_using_subcommand prune" -l include-shared -d 'Delete shared images too when EC2\'s AMI usage reports show no use in the accounts they are shared with, and the reports\' lag (7d) has passed'
complete -c amitools -n "__fish_amitools_using_subcommand prune" -l include-public -d 'With --include-shared: public images too (their reports cover every account)'
complete -c amitools -n "__fish_amitools_using_subcommand prune" -l keep-snapshots -d 'Deregister images but leave their snapshots'
complete -c amitools -n "__fish_amitools_using_subcommand prune" -l apply -d 'Carry out what the plan says: deprecate, disable, delete (each image re-checked just before)'
complete -c amitools -n "__fish_amitools_using_subcommand prune" -l no-header -d 'Leave out the header line'
complete -c amitools -n "__fish_amitools_using_subcommand prune" -s v -l verbose -d 'More diagnostics on stderr (-v info, -vv debug, -vvv trace; RUST_LOG overrides)'
complete -c amitools -n "__fish_amitools_using_subcommand prune" -s q -l quiet -d 'Only errors on stderr: no notes, no progress'
complete -c amitools -n "__fish_amitools_using_subcommand prune" -l organization -d 'With --role: every ACTIVE account of your organization (Organizations ListAccounts, from the management account or a delegated administrator) instead of --accounts'
complete -c amitools -n "__fish_amitools_using_subcommand prune" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c amitools -n "__fish_amitools_using_subcommand share" -s w -l with -d 'An account id, an organization ARN or an organizational unit ARN (repeatable, or comma-separated)' -r
complete -c amitools -n "__fish_amitools_using_subcommand share" -l regions -d 'With --copies: the regions searched for copies [default: the current region]' -r
complete -c amitools -n "__fish_amitools_using_subcommand share" -s r -l region -d 'AWS region to use [default: AWS_REGION, AWS_DEFAULT_REGION, the credential file, the profile]' -r
complete -c amitools -n "__fish_amitools_using_subcommand share" -l profile -d 'Named profile from the AWS config and credentials files' -r
complete -c amitools -n "__fish_amitools_using_subcommand share" -l endpoint-url -d 'Send EC2 requests for every region to this URL instead of AWS: an endpoint that serves all regions, such as a simulator [env: AWS_ENDPOINT_URL_EC2, AWS_ENDPOINT_URL]' -r
complete -c amitools -n "__fish_amitools_using_subcommand share" -l region-endpoint -d 'Send EC2 requests for one region to this URL (a VPC endpoint); repeatable, beats --endpoint-url for that region' -r
complete -c amitools -n "__fish_amitools_using_subcommand share" -s o -l output -d 'Output format' -r -f -a "table\t'Aligned columns for people'
json\t'JSON with stable field names, for scripts'
dot\t'A Graphviz graph of the lineage (ancestors, children, revoke, restore): `| dot -Tsvg > lineage.svg`'
mermaid\t'A Mermaid flowchart of the lineage (ancestors, children, revoke, restore), as GitHub renders it'"
complete -c amitools -n "__fish_amitools_using_subcommand share" -l accounts -d 'Also read these accounts (12-digit ids, comma-separated or repeated), through --role: children and ancestors follow the lineage into them, revoke and restore change their images, prune --include-shared asks them what uses your shared images [your own account is always read]' -r
complete -c amitools -n "__fish_amitools_using_subcommand share" -l role -d 'The role to assume in each of --accounts: arn:PARTITION:iam::ID:role/NAME, from your credentials, session name "amitools"' -r
complete -c amitools -n "__fish_amitools_using_subcommand share" -l profiles -d 'Instead of --accounts and --role: read other accounts through these named profiles (one account each, comma-separated or repeated)' -r
complete -c amitools -n "__fish_amitools_using_subcommand share" -l public -d 'Everyone: the image and its snapshots public (refused for encrypted snapshots and under image block public access)'
complete -c amitools -n "__fish_amitools_using_subcommand share" -l copies -d 'Also the image\'s copies (made by CopyImage from it or from a copy of it), found as `children` finds them'
complete -c amitools -n "__fish_amitools_using_subcommand share" -l all-regions -d 'With --copies: every region enabled for the account'
complete -c amitools -n "__fish_amitools_using_subcommand share" -l dry-run -d 'Show every change (and what is already so); change nothing'
complete -c amitools -n "__fish_amitools_using_subcommand share" -l show -d 'Show who may launch the image and create volumes from each snapshot; change nothing'
complete -c amitools -n "__fish_amitools_using_subcommand share" -s v -l verbose -d 'More diagnostics on stderr (-v info, -vv debug, -vvv trace; RUST_LOG overrides)'
complete -c amitools -n "__fish_amitools_using_subcommand share" -s q -l quiet -d 'Only errors on stderr: no notes, no progress'
complete -c amitools -n "__fish_amitools_using_subcommand share" -l organization -d 'With --role: every ACTIVE account of your organization (Organizations ListAccounts, from the management account or a delegated administrator) instead of --accounts'
complete -c amitools -n "__fish_amitools_using_subcommand share" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c amitools -n "__fish_amitools_using_subcommand unshare" -s w -l with -d 'An account id, an organization ARN or an organizational unit ARN (repeatable, or comma-separated)' -r
complete -c amitools -n "__fish_amitools_using_subcommand unshare" -l regions -d 'With --copies: the regions searched for copies [default: the current region]' -r
complete -c amitools -n "__fish_amitools_using_subcommand unshare" -s r -l region -d 'AWS region to use [default: AWS_REGION, AWS_DEFAULT_REGION, the credential file, the profile]' -r
complete -c amitools -n "__fish_amitools_using_subcommand unshare" -l profile -d 'Named profile from the AWS config and credentials files' -r
complete -c amitools -n "__fish_amitools_using_subcommand unshare" -l endpoint-url -d 'Send EC2 requests for every region to this URL instead of AWS: an endpoint that serves all regions, such as a simulator [env: AWS_ENDPOINT_URL_EC2, AWS_ENDPOINT_URL]' -r
complete -c amitools -n "__fish_amitools_using_subcommand unshare" -l region-endpoint -d 'Send EC2 requests for one region to this URL (a VPC endpoint); repeatable, beats --endpoint-url for that region' -r
complete -c amitools -n "__fish_amitools_using_subcommand unshare" -s o -l output -d 'Output format' -r -f -a "table\t'Aligned columns for people'
json\t'JSON with stable field names, for scripts'
dot\t'A Graphviz graph of the lineage (ancestors, children, revoke, restore): `| dot -Tsvg > lineage.svg`'
mermaid\t'A Mermaid flowchart of the lineage (ancestors, children, revoke, restore), as GitHub renders it'"
complete -c amitools -n "__fish_amitools_using_subcommand unshare" -l accounts -d 'Also read these accounts (12-digit ids, comma-separated or repeated), through --role: children and ancestors follow the lineage into them, revoke and restore change their images, prune --include-shared asks them what uses your shared images [your own account is always read]' -r
complete -c amitools -n "__fish_amitools_using_subcommand unshare" -l role -d 'The role to assume in each of --accounts: arn:PARTITION:iam::ID:role/NAME, from your credentials, session name "amitools"' -r
complete -c amitools -n "__fish_amitools_using_subcommand unshare" -l profiles -d 'Instead of --accounts and --role: read other accounts through these named profiles (one account each, comma-separated or repeated)' -r
complete -c amitools -n "__fish_amitools_using_subcommand unshare" -l public -d 'Everyone: the image and its snapshots public (refused for encrypted snapshots and under image block public access)'
complete -c amitools -n "__fish_amitools_using_subcommand unshare" -l copies -d 'Also the image\'s copies (made by CopyImage from it or from a copy of it), found as `children` finds them'
complete -c amitools -n "__fish_amitools_using_subcommand unshare" -l all-regions -d 'With --copies: every region enabled for the account'
complete -c amitools -n "__fish_amitools_using_subcommand unshare" -l dry-run -d 'Show every change (and what is already so); change nothing'
complete -c amitools -n "__fish_amitools_using_subcommand unshare" -s v -l verbose -d 'More diagnostics on stderr (-v info, -vv debug, -vvv trace; RUST_LOG overrides)'
complete -c amitools -n "__fish_amitools_using_subcommand unshare" -s q -l quiet -d 'Only errors on stderr: no notes, no progress'
complete -c amitools -n "__fish_amitools_using_subcommand unshare" -l organization -d 'With --role: every ACTIVE account of your organization (Organizations ListAccounts, from the management account or a delegated administrator) instead of --accounts'
complete -c amitools -n "__fish_amitools_using_subcommand unshare" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c amitools -n "__fish_amitools_using_subcommand revoke" -l regions -d 'With --descendants: the regions searched [default: the current region]' -r
complete -c amitools -n "__fish_amitools_using_subcommand revoke" -l reason -d 'Why, recorded in the amitools:revoked tag (at most 223 characters)' -r
complete -c amitools -n "__fish_amitools_using_subcommand revoke" -s r -l region -d 'AWS region to use [default: AWS_REGION, AWS_DEFAULT_REGION, the credential file, the profile]' -r
complete -c amitools -n "__fish_amitools_using_subcommand revoke" -l profile -d 'Named profile from the AWS config and credentials files' -r
complete -c amitools -n "__fish_amitools_using_subcommand revoke" -l endpoint-url -d 'Send EC2 requests for every region to this URL instead of AWS: an endpoint that serves all regions, such as a simulator [env: AWS_ENDPOINT_URL_EC2, AWS_ENDPOINT_URL]' -r
complete -c amitools -n "__fish_amitools_using_subcommand revoke" -l region-endpoint -d 'Send EC2 requests for one region to this URL (a VPC endpoint); repeatable, beats --endpoint-url for that region' -r
complete -c amitools -n "__fish_amitools_using_subcommand revoke" -s o -l output -d 'Output format' -r -f -a "table\t'Aligned columns for people'
json\t'JSON with stable field names, for scripts'
dot\t'A Graphviz graph of the lineage (ancestors, children, revoke, restore): `| dot -Tsvg > lineage.svg`'
mermaid\t'A Mermaid flowchart of the lineage (ancestors, children, revoke, restore), as GitHub renders it'"
complete -c amitools -n "__fish_amitools_using_subcommand revoke" -l accounts -d 'Also read these accounts (12-digit ids, comma-separated or repeated), through --role: children and ancestors follow the lineage into them, revoke and restore change their images, prune --include-shared asks them what uses your shared images [your own account is always read]' -r
complete -c amitools -n "__fish_amitools_using_subcommand revoke" -l role -d 'The role to assume in each of --accounts: arn:PARTITION:iam::ID:role/NAME, from your credentials, session name "amitools"' -r
complete -c amitools -n "__fish_amitools_using_subcommand revoke" -l profiles -d 'Instead of --accounts and --role: read other accounts through these named profiles (one account each, comma-separated or repeated)' -r
complete -c amitools -n "__fish_amitools_using_subcommand revoke" -l descendants -d 'Each image and every image made from it, found as `children` finds them'
complete -c amitools -n "__fish_amitools_using_subcommand revoke" -l all-regions -d 'With --descendants: every region enabled for the account'
complete -c amitools -n "__fish_amitools_using_subcommand revoke" -l apply -d 'Carry the plan out (without it, nothing is changed)'
complete -c amitools -n "__fish_amitools_using_subcommand revoke" -l no-header -d 'Leave out the header line'
complete -c amitools -n "__fish_amitools_using_subcommand revoke" -l disable -d 'Disable instead of deprecate: every use shown stops launching'
complete -c amitools -n "__fish_amitools_using_subcommand revoke" -s v -l verbose -d 'More diagnostics on stderr (-v info, -vv debug, -vvv trace; RUST_LOG overrides)'
complete -c amitools -n "__fish_amitools_using_subcommand revoke" -s q -l quiet -d 'Only errors on stderr: no notes, no progress'
complete -c amitools -n "__fish_amitools_using_subcommand revoke" -l organization -d 'With --role: every ACTIVE account of your organization (Organizations ListAccounts, from the management account or a delegated administrator) instead of --accounts'
complete -c amitools -n "__fish_amitools_using_subcommand revoke" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c amitools -n "__fish_amitools_using_subcommand restore" -l regions -d 'With --descendants: the regions searched [default: the current region]' -r
complete -c amitools -n "__fish_amitools_using_subcommand restore" -s r -l region -d 'AWS region to use [default: AWS_REGION, AWS_DEFAULT_REGION, the credential file, the profile]' -r
complete -c amitools -n "__fish_amitools_using_subcommand restore" -l profile -d 'Named profile from the AWS config and credentials files' -r
complete -c amitools -n "__fish_amitools_using_subcommand restore" -l endpoint-url -d 'Send EC2 requests for every region to this URL instead of AWS: an endpoint that serves all regions, such as a simulator [env: AWS_ENDPOINT_URL_EC2, AWS_ENDPOINT_URL]' -r
complete -c amitools -n "__fish_amitools_using_subcommand restore" -l region-endpoint -d 'Send EC2 requests for one region to this URL (a VPC endpoint); repeatable, beats --endpoint-url for that region' -r
complete -c amitools -n "__fish_amitools_using_subcommand restore" -s o -l output -d 'Output format' -r -f -a "table\t'Aligned columns for people'
json\t'JSON with stable field names, for scripts'
dot\t'A Graphviz graph of the lineage (ancestors, children, revoke, restore): `| dot -Tsvg > lineage.svg`'
mermaid\t'A Mermaid flowchart of the lineage (ancestors, children, revoke, restore), as GitHub renders it'"
complete -c amitools -n "__fish_amitools_using_subcommand restore" -l accounts -d 'Also read these accounts (12-digit ids, comma-separated or repeated), through --role: children and ancestors follow the lineage into them, revoke and restore change their images, prune --include-shared asks them what uses your shared images [your own account is always read]' -r
complete -c amitools -n "__fish_amitools_using_subcommand restore" -l role -d 'The role to assume in each of --accounts: arn:PARTITION:iam::ID:role/NAME, from your credentials, session name "amitools"' -r
complete -c amitools -n "__fish_amitools_using_subcommand restore" -l profiles -d 'Instead of --accounts and --role: read other accounts through these named profiles (one account each, comma-separated or repeated)' -r
complete -c amitools -n "__fish_amitools_using_subcommand restore" -l descendants -d 'Each image and every image made from it, found as `children` finds them'
complete -c amitools -n "__fish_amitools_using_subcommand restore" -l all-regions -d 'With --descendants: every region enabled for the account'
complete -c amitools -n "__fish_amitools_using_subcommand restore" -l apply -d 'Carry the plan out (without it, nothing is changed)'
complete -c amitools -n "__fish_amitools_using_subcommand restore" -l no-header -d 'Leave out the header line'
complete -c amitools -n "__fish_amitools_using_subcommand restore" -s v -l verbose -d 'More diagnostics on stderr (-v info, -vv debug, -vvv trace; RUST_LOG overrides)'
complete -c amitools -n "__fish_amitools_using_subcommand restore" -s q -l quiet -d 'Only errors on stderr: no notes, no progress'
complete -c amitools -n "__fish_amitools_using_subcommand restore" -l organization -d 'With --role: every ACTIVE account of your organization (Organizations ListAccounts, from the management account or a delegated administrator) instead of --accounts'
complete -c amitools -n "__fish_amitools_using_subcommand restore" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c amitools -n "__fish_amitools_using_subcommand watermark" -s r -l region -d 'AWS region to use [default: AWS_REGION, AWS_DEFAULT_REGION, the credential file, the profile]' -r
complete -c amitools -n "__fish_amitools_using_subcommand watermark" -l profile -d 'Named profile from the AWS config and credentials files' -r
complete -c amitools -n "__fish_amitools_using_subcommand watermark" -l endpoint-url -d 'Send EC2 requests for every region to this URL instead of AWS: an endpoint that serves all regions, such as a simulator [env: AWS_ENDPOINT_URL_EC2, AWS_ENDPOINT_URL]' -r
complete -c amitools -n "__fish_amitools_using_subcommand watermark" -l region-endpoint -d 'Send EC2 requests for one region to this URL (a VPC endpoint); repeatable, beats --endpoint-url for that region' -r
complete -c amitools -n "__fish_amitools_using_subcommand watermark" -s o -l output -d 'Output format' -r -f -a "table\t'Aligned columns for people'
json\t'JSON with stable field names, for scripts'
dot\t'A Graphviz graph of the lineage (ancestors, children, revoke, restore): `| dot -Tsvg > lineage.svg`'
mermaid\t'A Mermaid flowchart of the lineage (ancestors, children, revoke, restore), as GitHub renders it'"
complete -c amitools -n "__fish_amitools_using_subcommand watermark" -l accounts -d 'Also read these accounts (12-digit ids, comma-separated or repeated), through --role: children and ancestors follow the lineage into them, revoke and restore change their images, prune --include-shared asks them what uses your shared images [your own account is always read]' -r
complete -c amitools -n "__fish_amitools_using_subcommand watermark" -l role -d 'The role to assume in each of --accounts: arn:PARTITION:iam::ID:role/NAME, from your credentials, session name "amitools"' -r
complete -c amitools -n "__fish_amitools_using_subcommand watermark" -l profiles -d 'Instead of --accounts and --role: read other accounts through these named profiles (one account each, comma-separated or repeated)' -r
complete -c amitools -n "__fish_amitools_using_subcommand watermark" -l remove -d 'Detach the watermark instead'
complete -c amitools -n "__fish_amitools_using_subcommand watermark" -s v -l verbose -d 'More diagnostics on stderr (-v info, -vv debug, -vvv trace; RUST_LOG overrides)'
complete -c amitools -n "__fish_amitools_using_subcommand watermark" -s q -l quiet -d 'Only errors on stderr: no notes, no progress'
complete -c amitools -n "__fish_amitools_using_subcommand watermark" -l organization -d 'With --role: every ACTIVE account of your organization (Organizations ListAccounts, from the management account or a delegated administrator) instead of --accounts'
complete -c amitools -n "__fish_amitools_using_subcommand watermark" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c amitools -n "__fish_amitools_using_subcommand help; and not __fish_seen_subcommand_from create tag waiton ancestors children copy clone prune share unshare revoke restore watermark help" -f -a "create" -d 'Create an image from an instance, named and tagged with its lineage'
complete -c amitools -n "__fish_amitools_using_subcommand help; and not __fish_seen_subcommand_from create tag waiton ancestors children copy clone prune share unshare revoke restore watermark help" -f -a "tag" -d 'Set the lineage tags on an image made some other way'
complete -c amitools -n "__fish_amitools_using_subcommand help; and not __fish_seen_subcommand_from create tag waiton ancestors children copy clone prune share unshare revoke restore watermark help" -f -a "waiton" -d 'Wait for an image to reach a state'
complete -c amitools -n "__fish_amitools_using_subcommand help; and not __fish_seen_subcommand_from create tag waiton ancestors children copy clone prune share unshare revoke restore watermark help" -f -a "ancestors" -d 'Show the images an image was made from, back to the root'
complete -c amitools -n "__fish_amitools_using_subcommand help; and not __fish_seen_subcommand_from create tag waiton ancestors children copy clone prune share unshare revoke restore watermark help" -f -a "children" -d 'Show the images made from an image, and from those, as a tree'
complete -c amitools -n "__fish_amitools_using_subcommand help; and not __fish_seen_subcommand_from create tag waiton ancestors children copy clone prune share unshare revoke restore watermark help" -f -a "copy" -d 'Copy an image to another region (or the same one), keeping its lineage'
complete -c amitools -n "__fish_amitools_using_subcommand help; and not __fish_seen_subcommand_from create tag waiton ancestors children copy clone prune share unshare revoke restore watermark help" -f -a "clone" -d 'Make your own copy of an image, in the same region, keeping its lineage'
complete -c amitools -n "__fish_amitools_using_subcommand help; and not __fish_seen_subcommand_from create tag waiton ancestors children copy clone prune share unshare revoke restore watermark help" -f -a "prune" -d 'Delete old images and their snapshots, per family, never what is in use'
complete -c amitools -n "__fish_amitools_using_subcommand help; and not __fish_seen_subcommand_from create tag waiton ancestors children copy clone prune share unshare revoke restore watermark help" -f -a "share" -d 'Share an image with other accounts so that they can launch and copy it'
complete -c amitools -n "__fish_amitools_using_subcommand help; and not __fish_seen_subcommand_from create tag waiton ancestors children copy clone prune share unshare revoke restore watermark help" -f -a "unshare" -d 'Stop sharing an image: the launch permission and the snapshots\' create-volume permission'
complete -c amitools -n "__fish_amitools_using_subcommand help; and not __fish_seen_subcommand_from create tag waiton ancestors children copy clone prune share unshare revoke restore watermark help" -f -a "revoke" -d 'Revoke images: stop new launches of an image and of everything made from it'
complete -c amitools -n "__fish_amitools_using_subcommand help; and not __fish_seen_subcommand_from create tag waiton ancestors children copy clone prune share unshare revoke restore watermark help" -f -a "restore" -d 'Undo a revoke: exactly what `amitools revoke` did to each image'
complete -c amitools -n "__fish_amitools_using_subcommand help; and not __fish_seen_subcommand_from create tag waiton ancestors children copy clone prune share unshare revoke restore watermark help" -f -a "watermark" -d 'Attach an AMI watermark to an image of yours (or remove one)'
complete -c amitools -n "__fish_amitools_using_subcommand help; and not __fish_seen_subcommand_from create tag waiton ancestors children copy clone prune share unshare revoke restore watermark help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
