-- Catalog products, type 2 on price: one version per price the product has had (its price history),
-- each valid until the next took effect. Name, category, sport and vendor are type 1: every version
-- carries the product's current ones. Output: every version of each product changed in this run.
with products as (
    select * from {{ ref('stg_products') }}
),

prices as (
    select * from {{ ref('stg_product_prices') }}
),

versions as (
    select
        p.product_id,
        p.product_name,
        p.category,
        p.subcategory,
        p.sport,
        p.vendor_id,
        pr.price,
        pr.valid_from,
        coalesce(lead(pr.valid_from) over (partition by pr.product_id order by pr.valid_from), timestamp '9999-12-31 00:00:00') as valid_to
    from products p
    join prices pr using (product_id)
),

final as (
    select
        -- keys
        cast(hash(product_id || '|' || cast(valid_from as varchar)) >> 1 as bigint) as product_key,
        product_id,
        -- attributes (type 1)
        product_name,
        category,
        subcategory,
        sport,
        case when vendor_id is not null then cast(hash('vendor|' || cast(vendor_id as varchar)) >> 1 as bigint) end as vendor_key,
        -- the price of this version, and its band
        price,
        case when price < 50 then 'under 50' when price < 100 then '50-99' when price < 150 then '100-149' else '150+' end as price_band,
        -- validity
        valid_from,
        valid_to,
        valid_to = timestamp '9999-12-31 00:00:00' as is_current
    from versions
)

select * from final
